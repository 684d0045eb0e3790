"""Tests of board.audit."""
