"""Tests of board.db."""
