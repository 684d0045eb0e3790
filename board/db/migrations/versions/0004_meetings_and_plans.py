"""meetings and plans

Per-case discussion timer on agenda items; a content revision on plan versions, and
sign-offs remember the revision they signed (an edit after signing makes a signature
stale, so one person may sign each revision once).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("timer_started_at", sa.DateTime(timezone=True), nullable=True)
        )

    with op.batch_alter_table("plan_versions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("revision", sa.Integer(), server_default=sa.text("1"), nullable=False)
        )

    with op.batch_alter_table("sign_offs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("plan_revision", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.drop_constraint("uq_sign_offs_plan_user", type_="unique")
        batch_op.create_unique_constraint(
            "uq_sign_offs_plan_user_revision", ["plan_version_id", "user_id", "plan_revision"]
        )


def downgrade() -> None:
    with op.batch_alter_table("sign_offs", schema=None) as batch_op:
        batch_op.drop_constraint("uq_sign_offs_plan_user_revision", type_="unique")
        batch_op.create_unique_constraint("uq_sign_offs_plan_user", ["plan_version_id", "user_id"])
        batch_op.drop_column("plan_revision")

    with op.batch_alter_table("plan_versions", schema=None) as batch_op:
        batch_op.drop_column("revision")

    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.drop_column("timer_started_at")
