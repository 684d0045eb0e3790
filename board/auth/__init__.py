"""Roles, the acting person and the permission matrix: vocabulary every layer uses.

Accounts and sessions (services that write and audit) are in :mod:`board.accounts`.
"""
