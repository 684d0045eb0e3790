"""Which pages exist and which action each needs: the navigation shows only allowed ones."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from board.auth.permissions import Action, allowed
from board.auth.roles import Role

#: The browser tab's icon, shipped with the app (nothing is fetched from outside).
FAVICON = Path(__file__).with_name("favicon.png")


@dataclass(frozen=True, slots=True)
class PageSpec:
    """One page of the signed-in app.

    Parameters
    ----------
    script:
        The page file.
    title, icon:
        What the navigation shows.
    url_path:
        The page's address.
    action:
        The permission a role needs to see the page at all.
    """

    script: str
    title: str
    icon: str
    url_path: str
    action: Action


#: Pages of the signed-in app, in navigation order; the first is the start page.
PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/worklist.py", "Worklist", ":material/list_alt:", "worklist", Action.CASE_VIEW),
    PageSpec("pages/case.py", "Case", ":material/folder_open:", "case", Action.CASE_VIEW),
    PageSpec("pages/meetings.py", "Meetings", ":material/groups:", "meetings", Action.CASE_VIEW),
    PageSpec(
        "pages/analytics.py",
        "Board analytics",
        ":material/monitoring:",
        "analytics",
        Action.ANALYTICS_VIEW,
    ),
    PageSpec(
        "pages/presenter.py",
        "Presenter",
        ":material/present_to_all:",
        "presenter",
        Action.MEETING_RUN,
    ),
    PageSpec("pages/scribe.py", "Scribe", ":material/edit_note:", "scribe", Action.PLAN_EDIT),
    PageSpec("pages/audit.py", "Audit", ":material/policy:", "audit", Action.AUDIT_VIEW),
    PageSpec(
        "pages/admin.py", "Admin", ":material/manage_accounts:", "admin", Action.USERS_ADMINISTER
    ),
    # Everyone's own account (reminder e-mails on or off).
    PageSpec("pages/account.py", "My account", ":material/person:", "account", Action.CASE_VIEW),
)


def pages_for(role: Role) -> list[PageSpec]:
    """The pages a role may use, in navigation order.

    Parameters
    ----------
    role:
        The signed-in user's role.

    Returns
    -------
    list[PageSpec]
        Only the pages whose action the role is allowed.
    """
    return [page for page in PAGES if allowed(role, page.action)]


def pages_not_for(role: Role) -> list[PageSpec]:
    """The pages a role may not use (their addresses answer with a plain explanation).

    Parameters
    ----------
    role:
        The signed-in user's role.

    Returns
    -------
    list[PageSpec]
        The pages whose action the role is not allowed, in navigation order.
    """
    return [page for page in PAGES if not allowed(role, page.action)]


def not_allowed_page(spec: PageSpec, role: Role, start: PageSpec) -> st.Page:
    """A hidden page at ``spec``'s address for a role that may not use it.

    Without it, Streamlit answers the address with its "Page not found" dialog, which
    keeps the keyboard focus on its Close button. This page says in plain words why the
    page is not shown and links to the role's start page.

    Parameters
    ----------
    spec:
        The page the role may not use.
    role:
        The signed-in user's role.
    start:
        The role's start page (the link back).

    Returns
    -------
    st.Page
        A hidden page with ``spec``'s title and address.
    """

    def explain() -> None:
        st.title(spec.title)
        st.info(f"The {spec.title} page is not available to the {role.label} role.")
        st.page_link(start.script, label=f"Go to the {start.title}", icon=start.icon)

    return st.Page(explain, title=spec.title, url_path=spec.url_path, visibility="hidden")
