"""Sign in with a local account."""

import streamlit as st

from board.accounts.users import authenticate
from board.demo import DEMO_PASSWORD, demo_users
from board.installation import installation_state
from board.ui import context
from board.ui.errors import user_errors
from board.ui.text import md_escape

st.title("Sign in to Tumor Board")
db = context.database()

if context.session_ended():
    st.info("Your sign-in has ended (signed out, idle too long, or ended by an administrator).")

loaded = st.session_state.pop("demo_loaded", None)
if loaded is not None:
    st.success(loaded.message)

with st.form("sign_in"):
    username = st.text_input("Username")
    password = st.text_input("Password", type="password")
    submitted = st.form_submit_button("Sign in", type="primary")
if submitted:
    with user_errors():
        user = authenticate(db, username, password)
        context.sign_in(user)
        st.rerun()

if context.oidc_configured():
    st.divider()
    refusal = context.oidc_refusal()
    if refusal:
        st.error(md_escape(refusal))

        def _other_account() -> None:
            context.forget_oidc_refusal()
            st.logout()

        st.button("Use another hospital account", on_click=_other_account)
    else:
        st.button("Sign in with your hospital account", icon=":material/badge:", on_click=st.login)

if installation_state(db).demo_mode:
    st.subheader("Demonstration accounts")
    st.write(f"Every demo account uses the password: {DEMO_PASSWORD}")
    st.dataframe(
        [
            {"Username": u.username, "Name": u.display_name, "Role": u.role.label}
            for u in demo_users()
        ],
        hide_index=True,
    )
