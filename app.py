"""Tumor Board: entry point. Run with ``streamlit run app.py``.

Reads and validates the settings, opens (and migrates) the database, then shows the
welcome screen on a first start, the sign-in form, or the pages the signed-in user's
role may use.
"""

import streamlit as st

from board.installation import installation_state
from board.ui import context
from board.ui.errors import user_errors

st.set_page_config(page_title="Tumor Board", page_icon=":material/groups:", layout="wide")

with user_errors():
    db = context.database()
    state = installation_state(db)
    actor = context.current_actor()

    if state.first_start:
        pages = [st.Page("pages/welcome.py", title="Welcome", icon=":material/waving_hand:")]
    elif actor is None:
        # The app's own paths lead to the sign-in form too, so a deep link such as
        # /case?case=12 survives signing in.
        pages = [
            st.Page("pages/sign_in.py", title="Sign in", icon=":material/login:", default=True),
            *(
                st.Page("pages/sign_in.py", title="Sign in", url_path=path, visibility="hidden")
                for path in ("worklist", "case", "meetings", "presenter")
            ),
        ]
    else:
        pages = [
            st.Page(
                "pages/worklist.py",
                title="Worklist",
                icon=":material/list_alt:",
                url_path="worklist",
                default=True,
            ),
            st.Page("pages/case.py", title="Case", icon=":material/folder_open:", url_path="case"),
            st.Page(
                "pages/meetings.py", title="Meetings", icon=":material/groups:", url_path="meetings"
            ),
            st.Page(
                "pages/presenter.py",
                title="Presenter",
                icon=":material/present_to_all:",
                url_path="presenter",
            ),
        ]
        with st.sidebar:
            st.caption("Signed in as")
            st.text(f"{actor.display_name}\n{actor.role.label}")
            if state.demo_mode:
                st.caption("Demonstration board: all patients are fictional.")
            if st.button("Sign out", icon=":material/logout:"):
                context.sign_out()
                st.rerun()

    st.navigation(pages).run()
