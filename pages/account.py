"""My account: who I am, where reminders go, and reminder e-mails on or off."""

import streamlit as st

from board.accounts.users import my_account, set_reminders
from board.auth.actor import Actor
from board.db.engine import Database
from board.ui import context
from board.ui.errors import user_errors

TOGGLE = "account_reminders"
OUTCOME = "account_reminders_outcome"


def _save(db: Database, actor: Actor) -> None:
    """Store the switch's new position (runs before the page is drawn again)."""
    with user_errors():
        account = set_reminders(db, actor, bool(st.session_state[TOGGLE]))
        st.session_state[TOGGLE] = account.reminders_enabled
        st.session_state[OUTCOME] = (
            "Reminder e-mails are on."
            if account.reminders_enabled
            else "Reminder e-mails are off: you will get none until you turn them on again."
        )


db = context.database()
actor = context.require_actor()

st.title("My account")

with user_errors():
    account = my_account(db, actor)
    st.text(
        f"{account.display_name}\n{account.role.label}\nUsername: {account.username}\n"
        f"E-mail: {account.email or 'none (an administrator sets it on the Admin page)'}"
    )
    st.subheader("Reminder e-mails")
    st.caption(
        "The board e-mails you the day before a meeting when your specialty's input is "
        "missing for a case on its agenda, and when an action item you own falls due "
        "(coordinators also for overdue follow-ups). Messages name cases by pseudonym "
        "and link here; they never contain a patient's name."
    )
    # The switch saves at once; its state is set from the database when the page
    # opens, and follows each save (so it always shows what is stored).
    if TOGGLE not in st.session_state:
        st.session_state[TOGGLE] = account.reminders_enabled
    st.toggle("Send me reminder e-mails", key=TOGGLE, on_change=_save, args=(db, actor))
    outcome = st.session_state.pop(OUTCOME, None)
    if outcome:
        st.success(outcome)
    if account.reminders_enabled and not account.email:
        st.info(
            "Reminders are on, but your account has no e-mail address yet: ask an "
            "administrator to add it.",
            icon=":material/mail:",
        )
