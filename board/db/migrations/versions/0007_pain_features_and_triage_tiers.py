"""pain features and triage tiers

Cases record the spinal pain features suggesting metastases (NICE NG234): a JSON list of
feature values, null when the question was not asked. The second triage tier
("within_a_week") needs no schema change: the urgency column is a VARCHAR(40) without a
check constraint. The worklist priority becomes 2 for immediate (urgent) cases, 1 within a
week and 0 routine, so existing urgent cases move from 1 to 2.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "pain_features",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )
    op.execute("UPDATE cases SET priority = 2 WHERE urgency = 'urgent'")


def downgrade() -> None:
    # The older code knows two tiers: a case within a week reads as routine again.
    op.execute(
        "UPDATE cases SET urgency = 'routine', priority = 0 WHERE urgency = 'within_a_week'"
    )
    op.execute("UPDATE cases SET priority = 1 WHERE urgency = 'urgent'")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("pain_features")
