"""Tumor Board: entry point. Run with ``streamlit run app.py``.

Reads and validates the settings, opens (and migrates) the database, then shows the
welcome screen on a first start, the sign-in form, or the pages the signed-in user's
role may use.

``streamlit run`` finds the ``st.App`` below and serves the app through it, which adds
the session-cookie routes (``board/web/session_routes.py``), the readiness check
``GET /api/ready`` (``board/web/health_routes.py``) and the request-id and body-size
middleware (``board/web/middleware.py``); Streamlit then runs this same file as the page
script (``__name__ == "__main__"``).
"""

import streamlit as st

if __name__ != "__main__":
    # Imported by the ASGI server: the app with its routes (session cookie, readiness,
    # page addresses) and middleware (request ids, request body limits).
    import logging

    from starlette.middleware import Middleware

    from board import logs
    from board.ui.navigation import PAGES
    from board.web import health_routes, session_routes
    from board.web.middleware import BodySizeLimitMiddleware, RequestIdMiddleware
    from board.web.page_routes import page_routes
    from board.web.sockets import enable_tcp_nodelay

    logs.configure()
    # Streamlit's listening socket keeps Nagle's algorithm: each script run's second
    # message would wait up to 40 ms for the browser's acknowledgement of the first.
    logs.log_event(
        logging.getLogger("board.web"),
        "small writes sent at once (TCP_NODELAY)",
        sockets=enable_tcp_nodelay(),
    )
    # The app's modules loaded now, then kept out of the garbage collector's walks
    # (board/heap.py): a full collection would otherwise cost some click ~100 ms.
    from board.heap import freeze_heap, load_board_modules

    load_board_modules()
    freeze_heap()
    upload_limit = int(st.get_option("server.maxUploadSize")) * 1024 * 1024
    app = st.App(
        __file__,
        routes=[
            *session_routes.routes(),
            *health_routes.routes(),
            *page_routes([p.url_path for p in PAGES] + ["start"]),
        ],
        middleware=[
            Middleware(RequestIdMiddleware),
            Middleware(BodySizeLimitMiddleware, upload_limit_bytes=upload_limit),
        ],
    )
else:
    from board import logs
    from board.installation import installation_state
    from board.ui import context
    from board.ui.accessibility import apply_accessible_style
    from board.ui.errors import user_errors
    from board.ui.navigation import FAVICON, PAGES, not_allowed_page, pages_for, pages_not_for

    # A bundled icon: a Material icon as page icon is fetched from a public font host.
    st.set_page_config(page_title="Tumor Board", page_icon=str(FAVICON), layout="wide")
    # A visible keyboard focus on every page (WCAG 2.1 AA; the contrast is in the theme).
    apply_accessible_style()
    # Errors of this run are logged as JSON lines under one request id (board.logs).
    logs.configure()
    logs.start_request()

    # The signed-in user is checked once for the run (app.py and then the page).
    with user_errors(), context.signed_in_for_this_run() as actor:
        db = context.database()
        state = installation_state(db)

        if state.first_start:
            pages = [st.Page("pages/welcome.py", title="Welcome", icon=":material/waving_hand:")]
        elif actor is None:
            # The app's own paths lead to the sign-in form too, so a deep link such as
            # /case?case=12 survives signing in.
            pages = [
                st.Page("pages/sign_in.py", title="Sign in", icon=":material/login:", default=True),
                *(
                    st.Page(
                        "pages/sign_in.py",
                        title="Sign in",
                        url_path=p.url_path,
                        visibility="hidden",
                    )
                    for p in PAGES
                ),
                # The signed-in start page's address opens the sign-in form too.
                st.Page("pages/sign_in.py", title="Sign in", url_path="start", visibility="hidden"),
            ]
        else:
            app_pages = [
                st.Page(p.script, title=p.title, icon=p.icon, url_path=p.url_path)
                for p in pages_for(actor.role)
            ]
            start = pages_for(actor.role)[0]
            pages = [
                # "/" runs the start page too; its own address (/worklist) stays valid.
                st.Page(
                    start.script,
                    title=start.title,
                    url_path="start",
                    default=True,
                    visibility="hidden",
                ),
                *app_pages,
                # Every other page's address says the page is not for this role, instead
                # of Streamlit's "Page not found" dialog (which traps the keyboard focus).
                *(not_allowed_page(p, actor.role, start) for p in pages_not_for(actor.role)),
            ]

        navigation = st.navigation(pages, position="hidden")
        if actor is None or state.first_start:
            context.persist_session()
        else:
            with st.sidebar:
                # The app draws its own page links: Streamlit's automatic navigation would
                # first list the files in pages/ under their raw names.
                for page in app_pages:
                    st.page_link(page)
                st.divider()
                st.caption("Signed in as")
                st.text(f"{actor.display_name}\n{actor.role.label}")
                if state.demo_mode:
                    st.caption("Demonstration board: all patients are fictional.")
                if st.button("Sign out", icon=":material/logout:", help="Ends every session"):
                    context.sign_out()
                    st.rerun()
                # Last in the sidebar: the one-off cookie hand-off after signing in must
                # not shift the page's own elements (an open tab or expander would reset).
                context.persist_session()
        context.follow_deep_link(pages)
        navigation.run()
