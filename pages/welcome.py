"""First start: load the demo board, or create the first administrator."""

import streamlit as st

from board.accounts.users import create_first_admin
from board.demo import DEMO_PASSWORD, load_demo
from board.ui import context
from board.ui.errors import user_errors

st.title("Welcome to Tumor Board")
st.write(
    "This installation has no accounts yet. Load a demonstration board with fictional "
    "patients to explore the app, or create the first administrator to start using it "
    "for real."
)
db = context.database()

demo_col, admin_col = st.columns(2, gap="large")
with demo_col:
    st.subheader("Demonstration board")
    st.write(
        "Fictional spine metastasis cases covering every NOMS branch, users for every "
        "role and an upcoming meeting. No real person's data."
    )
    if st.button("Load demo board", type="primary", icon=":material/play_arrow:"):
        with user_errors(), st.spinner("Loading the demonstration board..."):
            summary = load_demo(db)
            st.session_state["demo_loaded"] = summary
            st.rerun()

with admin_col:
    st.subheader("Create the first administrator")
    with st.form("first_admin"):
        username = st.text_input("Username", placeholder="for example j.smith")
        display_name = st.text_input("Full name")
        password = st.text_input("Password (at least 10 characters)", type="password")
        confirm = st.text_input("Repeat the password", type="password")
        submitted = st.form_submit_button("Create administrator", type="primary")
    if submitted:
        if password != confirm:
            st.error("The two passwords are not the same. Nothing was saved.")
        else:
            with user_errors():
                admin = create_first_admin(db, username, display_name, password)
                context.sign_in(admin)
                st.rerun()

st.caption(f"Demo users share the password '{DEMO_PASSWORD}' once the demo is loaded.")
