"""imaging study corrections and patient key index

The date, modality and body region of an attached study can be corrected by hand, so a
study row becomes versioned like every other editable row (optimistic locking) and
records who changed it last. Existing studies start at version 1, last changed when they
were attached. The studies' patient key gets an index: the new-case form looks up
possible duplicates by it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("imaging_studies", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1"))
        )
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("updated_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_imaging_studies_updated_by_id_users"),
            "users",
            ["updated_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(
            batch_op.f("ix_imaging_studies_updated_by_id"), ["updated_by_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_imaging_studies_patient_key"), ["patient_key"], unique=False
        )
    op.execute("UPDATE imaging_studies SET updated_at = created_at")
    with op.batch_alter_table("imaging_studies", schema=None) as batch_op:
        batch_op.alter_column("updated_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.alter_column("version", existing_type=sa.Integer(), server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("imaging_studies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_imaging_studies_patient_key"))
        batch_op.drop_index(batch_op.f("ix_imaging_studies_updated_by_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_imaging_studies_updated_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("updated_by_id")
        batch_op.drop_column("updated_at")
        batch_op.drop_column("version")
