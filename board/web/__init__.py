"""HTTP routes served next to the Streamlit app (through ``st.App`` in app.py)."""
