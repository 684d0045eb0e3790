"""the finalized report's model, kept with the plan version

Finalizing stores the report model and the letter texts as JSON
(``board.reports.snapshot``) in the finalizing transaction; the report and letter files
are rendered from it after the commit, and again from it should that not finish.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy of the table), as in 0011.
    op.add_column(
        "plan_versions",
        sa.Column(
            "report_snapshot",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
    )


def downgrade() -> None:
    with op.batch_alter_table("plan_versions", schema=None) as batch_op:
        batch_op.drop_column("report_snapshot")
