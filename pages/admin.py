"""Administration: add accounts, deactivate, change role, reset password, who is signed in,
plan templates."""

import streamlit as st

from board.accounts.sessions import active_sessions, end_user_sessions
from board.accounts.users import (
    change_role,
    create_user,
    list_users,
    reset_password,
    set_active,
    set_email,
)
from board.auth.roles import Role
from board.ui import context
from board.ui.errors import user_errors
from board.ui.letter_texts import render_letter_texts
from board.ui.plan_templates import render_plan_templates
from board.ui.text import md_escape
from board.ui.widgets import fmt_datetime
from board.wording import plural

db = context.database()
actor = context.require_actor()
idle = context.settings().session_idle_minutes

st.title("Administration")

with user_errors():
    sessions = active_sessions(db, actor, idle)
    users = list_users(db, actor)

st.subheader("Who is signed in")
if sessions:
    st.dataframe(
        [
            {
                "Username": s.username,
                "Name": s.display_name,
                "Role": s.role.label,
                "Signed in": fmt_datetime(s.created_at),
                "Last activity": fmt_datetime(s.last_seen_at),
            }
            for s in sessions
        ],
        hide_index=True,
        key="admin_sessions",
    )
else:
    st.write("Nobody is signed in with a durable session right now.")
st.caption(f"A sign-in ends after {idle} minutes without activity.")

st.subheader("Accounts")
st.dataframe(
    [
        {
            "Username": u.username,
            "Name": u.display_name,
            "Role": u.role.label,
            "Active": "yes" if u.is_active else "no",
        }
        for u in users
    ],
    hide_index=True,
    key="admin_users",
)

with st.expander("Add an account", icon=":material/person_add:"):
    with st.form("admin_add", clear_on_submit=True):
        new_username = st.text_input("Username", placeholder="for example j.smith")
        new_name = st.text_input("Full name")
        new_role = st.selectbox("Role", list(Role), format_func=lambda r: r.label)
        new_password = st.text_input("First password (at least 10 characters)", type="password")
        add = st.form_submit_button("Add account", type="primary")
    if add:
        with user_errors():
            created = create_user(db, actor, new_username, new_name, new_role, new_password)
            st.success(md_escape(f"Account {created.username} added."))

st.subheader("Change an account")
by_id = {u.id: u for u in users}
chosen = st.selectbox(
    "Account",
    list(by_id),
    format_func=lambda i: f"{by_id[i].display_name} ({by_id[i].username})",
    key="admin_target",
)
if chosen is not None:
    target = by_id[chosen]
    role_col, active_col = st.columns(2)
    with role_col:
        role = st.selectbox(
            "Role",
            list(Role),
            index=list(Role).index(target.role),
            format_func=lambda r: r.label,
            key=f"admin_role_{target.id}",
        )
        if st.button("Change role", key="admin_change_role"):
            with user_errors():
                changed = change_role(db, actor, target.id, role)
                st.success(md_escape(f"{changed.username} is now {changed.role.label}."))
    with active_col:
        st.write("Status: " + ("active" if target.is_active else "inactive"))
        if target.is_active:
            if st.button("Deactivate", key="admin_deactivate"):
                with user_errors():
                    set_active(db, actor, target.id, False)
                    st.rerun()
        elif st.button("Activate", key="admin_activate"):
            with user_errors():
                set_active(db, actor, target.id, True)
                st.rerun()
        if st.button("End all sessions", key="admin_end_sessions"):
            with user_errors():
                ended = end_user_sessions(db, actor, target.id)
                st.success(f"{plural(ended, 'session')} ended.")
    with st.form(f"admin_email_{target.id}"):
        email = st.text_input(
            "E-mail for hospital single sign-on",
            value=target.email or "",
            help="The person's e-mail at the identity provider links this account on their "
            "first single sign-on. Leave empty to unlink.",
        )
        save_email = st.form_submit_button("Save e-mail")
    if save_email:
        with user_errors():
            linked = set_email(db, actor, target.id, email)
            st.success(
                md_escape(
                    f"E-mail of {linked.username} set to {linked.email}."
                    if linked.email
                    else f"E-mail of {linked.username} cleared."
                )
            )
    with st.form(f"admin_reset_{target.id}", clear_on_submit=True):
        password = st.text_input("New password (at least 10 characters)", type="password")
        reset = st.form_submit_button("Reset password")
    if reset:
        with user_errors():
            done = reset_password(db, actor, target.id, password)
            st.success(md_escape(f"Password of {done.username} reset; their sessions ended."))

with user_errors():
    render_plan_templates(db, actor)

with user_errors():
    render_letter_texts(db, actor)
