"""outcome letters, calendar sequence, reminder opt-out and the reminder log

A finalized plan version keeps its outcome letter (DOCX and PDF) next to its report.
Meetings count their calendar SEQUENCE (raised when a meeting is moved or cancelled).
Accounts can turn reminder e-mails off. ``reminders_sent`` logs every reminder e-mail
under a unique key, so ``python -m board notify`` never sends one twice.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy of the table): on SQLite a batch operation copies
    # and drops the old table, and dropping users or meetings would cascade into the
    # rows that reference them.
    op.add_column("plan_versions", sa.Column("letter_docx", sa.LargeBinary(), nullable=True))
    op.add_column("plan_versions", sa.Column("letter_pdf", sa.LargeBinary(), nullable=True))
    op.add_column(
        "meetings",
        sa.Column("calendar_sequence", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )
    op.add_column(
        "users",
        sa.Column("reminders_enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
    )
    op.create_table(
        "reminders_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("recipient", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_reminders_sent_case_id_cases"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_reminders_sent_meeting_id_meetings"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_reminders_sent_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders_sent")),
        sa.UniqueConstraint("key", name=op.f("uq_reminders_sent_key")),
    )
    with op.batch_alter_table("reminders_sent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reminders_sent_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_reminders_sent_meeting_id"), ["meeting_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_reminders_sent_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reminders_sent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminders_sent_user_id"))
        batch_op.drop_index(batch_op.f("ix_reminders_sent_meeting_id"))
        batch_op.drop_index(batch_op.f("ix_reminders_sent_case_id"))
    op.drop_table("reminders_sent")
    # SQLite 3.35+ drops a column in place (no copy of the table, so no cascade).
    op.drop_column("users", "reminders_enabled")
    op.drop_column("meetings", "calendar_sequence")
    op.drop_column("plan_versions", "letter_pdf")
    op.drop_column("plan_versions", "letter_docx")
