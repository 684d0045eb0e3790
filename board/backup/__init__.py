"""Backup and restore of the whole board (portable across SQLite and PostgreSQL)."""
