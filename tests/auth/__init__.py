"""Tests of board.auth."""
