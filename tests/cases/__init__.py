"""Tests of board.cases."""
