"""The lightest page Streamlit can serve: one title, nothing else.

``bench/ui_latency.py`` opens it by address beside the app's pages, with the project's
settings (``.streamlit/config.toml``) on a server of its own: what any Streamlit page load
costs in the same browser before the app draws anything (Streamlit's browser client
starting afresh, its connection, one script run). Not part of the app.
"""

import streamlit as st

st.title("Empty page")
