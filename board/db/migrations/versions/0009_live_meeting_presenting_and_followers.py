"""live meeting: the presented case and who follows

The case the chair presents lives in the database so that every follower, on any app
server, sees the same case: one ``meeting_presenting`` row per meeting (the agenda
item, since when, by whom), moved by the presenter. ``meeting_followers`` keeps who
follows a meeting live (joined, last seen), refreshed by the follow view's poll.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "meeting_presenting",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("agenda_item_id", sa.Integer(), nullable=True),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("presented_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agenda_item_id"],
            ["agenda_items.id"],
            name=op.f("fk_meeting_presenting_agenda_item_id_agenda_items"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_meeting_presenting_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["presented_by_id"],
            ["users.id"],
            name=op.f("fk_meeting_presenting_presented_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("meeting_id", name=op.f("pk_meeting_presenting")),
    )
    with op.batch_alter_table("meeting_presenting", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_presenting_agenda_item_id"), ["agenda_item_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_meeting_presenting_presented_by_id"), ["presented_by_id"], unique=False
        )

    op.create_table(
        "meeting_followers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_meeting_followers_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_meeting_followers_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_followers")),
        sa.UniqueConstraint("meeting_id", "user_id", name="uq_meeting_followers_meeting_user"),
    )
    with op.batch_alter_table("meeting_followers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_followers_meeting_id"), ["meeting_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_meeting_followers_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("meeting_followers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_followers_user_id"))
        batch_op.drop_index(batch_op.f("ix_meeting_followers_meeting_id"))
    op.drop_table("meeting_followers")
    with op.batch_alter_table("meeting_presenting", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_presenting_presented_by_id"))
        batch_op.drop_index(batch_op.f("ix_meeting_presenting_agenda_item_id"))
    op.drop_table("meeting_presenting")
