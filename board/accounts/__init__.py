"""Accounts: users, sign-in sessions and single sign-on (services above audit).

Who a person is and what they may do (roles, actor, permissions) is in
:mod:`board.auth`, the vocabulary every layer uses; this package stores accounts and
sessions and audits what happens to them.
"""
