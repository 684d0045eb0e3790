"""meeting invitees and plan templates

Meetings get the people invited to them ("All invited present" records each in their
own role). Meetings still open (scheduled or in progress) invite, as a new meeting does
by default, the active users of their required specialties and the chair.

Plan templates are named sets of plan components (option and details as the plan
catalogue defines them, and optionally an intent) applied to a draft in one click. The
default templates are stored here as a copy of ``board.plans.starters.DEFAULT_TEMPLATES``
(a migration does not import the app; a test keeps the two equal).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _radiation(option: str, dose_gy: float, fractions: int) -> dict[str, Any]:
    return {
        "component": "radiation",
        "option": option,
        "details": {"dose_gy": dose_gy, "fractions": fractions},
    }


def _plain(component: str, option: str) -> dict[str, Any]:
    return {"component": component, "option": option, "details": {}}


DEFAULT_TEMPLATES: list[tuple[str, str | None, list[dict[str, Any]]]] = [
    ("cEBRT 8 Gy in 1 fraction", None, [_radiation("cebrt", 8.0, 1)]),
    ("cEBRT 20 Gy in 5 fractions", None, [_radiation("cebrt", 20.0, 5)]),
    ("SBRT 24 Gy in 2 fractions", None, [_radiation("sbrt", 24.0, 2)]),
    ("SBRT 27 Gy in 3 fractions", None, [_radiation("sbrt", 27.0, 3)]),
    (
        "Separation surgery, then SBRT 24 Gy in 2 fractions",
        None,
        [_plain("surgery", "separation_surgery"), _radiation("sbrt", 24.0, 2)],
    ),
    ("Surgical stabilisation (instrumentation)", None, [_plain("surgery", "stabilisation")]),
    (
        "Cement augmentation (vertebroplasty / kyphoplasty)",
        None,
        [_plain("surgery", "vertebroplasty_kyphoplasty")],
    ),
    (
        "Best supportive care",
        "best_supportive_care",
        [_plain("supportive", "palliative_care_team"), _plain("supportive", "caregiver_resources")],
    ),
]

def _roles(value: Any) -> list[str]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return [str(v) for v in value] if isinstance(value, list) else []


def _invite_for_open_meetings() -> None:
    conn = op.get_bind()
    users = conn.execute(
        sa.text("SELECT id, role FROM users WHERE is_active = :yes"), {"yes": True}
    ).all()
    meetings = conn.execute(
        sa.text(
            "SELECT id, required_roles, chair_id FROM meetings WHERE status IN "
            "('scheduled', 'in_progress')"
        )
    ).all()
    rows = []
    for meeting_id, required, chair_id in meetings:
        roles = set(_roles(required))
        invited = {user_id for user_id, role in users if role in roles and role != "admin"}
        if chair_id is not None and any(user_id == chair_id for user_id, _ in users):
            invited.add(chair_id)
        rows += [{"meeting_id": meeting_id, "user_id": user_id} for user_id in sorted(invited)]
    if rows:
        invitees = sa.table(
            "meeting_invitees", sa.column("meeting_id", sa.Integer), sa.column("user_id", sa.Integer)
        )
        op.bulk_insert(invitees, rows)


def _seed_templates() -> None:
    now = dt.datetime.now(dt.UTC)
    templates = sa.table(
        "plan_templates",
        sa.column("name", sa.String),
        sa.column("intent", sa.String),
        sa.column("components", JSON_TYPE),
        sa.column("is_active", sa.Boolean),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("version", sa.Integer),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    op.bulk_insert(
        templates,
        [
            {
                "name": name,
                "intent": intent,
                "components": components,
                "is_active": True,
                "created_at": now,
                "version": 1,
                "updated_at": now,
            }
            for name, intent, components in DEFAULT_TEMPLATES
        ],
    )


def upgrade() -> None:
    op.create_table(
        "plan_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "intent",
            sa.Enum(
                "curative",
                "palliative",
                "best_supportive_care",
                name="planintent",
                native_enum=False,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("components", JSON_TYPE, nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_plan_templates_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_plan_templates_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_templates")),
        sa.UniqueConstraint("name", name=op.f("uq_plan_templates_name")),
    )
    with op.batch_alter_table("plan_templates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plan_templates_created_by_id"), ["created_by_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_plan_templates_updated_by_id"), ["updated_by_id"], unique=False
        )

    op.create_table(
        "meeting_invitees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_meeting_invitees_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_meeting_invitees_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_invitees")),
        sa.UniqueConstraint("meeting_id", "user_id", name="uq_meeting_invitees_meeting_user"),
    )
    with op.batch_alter_table("meeting_invitees", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_invitees_meeting_id"), ["meeting_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_meeting_invitees_user_id"), ["user_id"], unique=False)

    _seed_templates()
    _invite_for_open_meetings()


def downgrade() -> None:
    with op.batch_alter_table("meeting_invitees", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_invitees_user_id"))
        batch_op.drop_index(batch_op.f("ix_meeting_invitees_meeting_id"))
    op.drop_table("meeting_invitees")
    with op.batch_alter_table("plan_templates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_templates_updated_by_id"))
        batch_op.drop_index(batch_op.f("ix_plan_templates_created_by_id"))
    op.drop_table("plan_templates")
