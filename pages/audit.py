"""Audit trail: filter by case, user, action and time; export as CSV."""

import datetime as dt

import streamlit as st

from board.audit.labels import action_label, describe_changes, entity_label, role_label
from board.audit.service import AuditFilter, export_audit_csv, search_audit
from board.localtime import to_utc, zone_name
from board.ui import context
from board.ui.errors import user_errors
from board.ui.widgets import fmt_datetime
from board.wording import plural

db = context.database()
actor = context.require_actor()

st.title("Audit trail")

c1, c2, c3, c4, c5 = st.columns([2, 3, 3, 2, 2])
case_text = c1.text_input("Case ID", key="audit_case")
user_text = c2.text_input("User (name contains)", key="audit_user")
action_text = c3.text_input("Action (starts with, e.g. auth.)", key="audit_action")
since_day = c4.date_input("From", value=None, key="audit_since")
until_day = c5.date_input("To (inclusive)", value=None, key="audit_until")

case_id = int(case_text) if case_text.strip().isdigit() else None
if case_text.strip() and case_id is None:
    st.warning("Case ID must be a number; the case filter is ignored.")
criteria = AuditFilter(
    case_id=case_id,
    actor=user_text or None,
    action=action_text or None,
    since=to_utc(since_day, dt.time()) if since_day else None,
    until=to_utc(until_day + dt.timedelta(days=1), dt.time()) if until_day else None,
)

with user_errors():
    entries = search_audit(db, actor, criteria)
    st.caption(
        f"{plural(len(entries), 'event')}, newest first (times in {zone_name()}). "
        "Code is the action as stored, for the action filter and the CSV export."
    )
    st.dataframe(
        [
            {
                "When": fmt_datetime(e.occurred_at),
                "Who": e.actor_name,
                "Role": role_label(e.actor_role),
                "Action": action_label(e.action),
                "Changes": describe_changes(e.before, e.after, e.entity_type),
                "What": entity_label(e.entity_type, e.entity_id),
                "Case": e.case_id,
                "Detail": e.detail or "",
                "Code": e.action,
            }
            for e in entries
        ],
        hide_index=True,
        key="audit_table",
    )
    st.download_button(
        "Export as CSV",
        data=lambda: export_audit_csv(db, actor, criteria),
        file_name="audit-trail.csv",
        mime="text/csv",
        icon=":material/download:",
        key="audit_export",
    )
