"""analytics facts per case and per meeting, kept true by triggers

``analytics_case_facts`` holds one row of analytics figures per case and
``analytics_meeting_facts`` one row of agenda counts per meeting
(``board.analytics.facts`` computes them). ``analytics_stale_cases`` and
``analytics_stale_meetings`` list the cases and meetings whose rows must be computed
again: triggers on every column the figures are made of add to them whatever makes the
change (the app, a restore, a fix made by hand), and the next analytics view computes
the listed ones first, so it never reads a stale row. Existing cases and meetings are
all listed here, so the first view computes them.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STALE_CASES = ("analytics_stale_cases", "case_id")
STALE_MEETINGS = ("analytics_stale_meetings", "meeting_id")

#: table -> (the list it adds to, the column naming the case or meeting, the columns the
#: figures are made of). Frozen here as of this revision: a later revision that reads
#: more columns adds triggers of its own.
SOURCES: dict[str, tuple[tuple[str, str], str, tuple[str, ...]]] = {
    "cases": (STALE_CASES, "id", ("urgency", "created_at", "died_on", "patient_id")),
    "plan_versions": (
        STALE_CASES,
        "case_id",
        ("case_id", "status", "finalized_at", "baseline"),
    ),
    "follow_ups": (
        STALE_CASES,
        "case_id",
        (
            "case_id",
            "status",
            "done_on",
            "treatment_started_at",
            "adherence",
            "pain_response",
            "deviation_reason",
        ),
    ),
    "imaging_studies": (STALE_CASES, "case_id", ("case_id", "modality", "study_date")),
    "agenda_items": (
        STALE_MEETINGS,
        "meeting_id",
        ("meeting_id", "discussed_at", "missing_at_discussion"),
    ),
}

#: each aggregate of the analytics page reads one of these in order (covering, no sort)
CASE_FACT_INDEXES: dict[str, list[str]] = {
    "referred": ["urgency", "first_mri_gap", "referred_day"],
    "decided": ["decided_day", "urgency", "start_after_us", "decided_us", "case_id"],
    "start": ["start_after_us", "decided_day"],
    "mri": ["mri_days", "decided_day"],
    "adherence": ["adherence_code", "decided_day", "decided_us", "case_id"],
    "pain": ["pain_code", "decided_day"],
    "survival": ["band", "observed_days", "died", "decided_day"],
}


def _changed(columns: Sequence[str], dialect: str) -> str:
    differs = "IS NOT" if dialect == "sqlite" else "IS DISTINCT FROM"
    # JSON has no equality in PostgreSQL: compare its text
    cast = "::text" if dialect == "postgresql" else ""
    return " OR ".join(f"OLD.{c}{cast} {differs} NEW.{c}{cast}" for c in columns)


def _sqlite_triggers() -> list[str]:
    statements = []
    for table, ((stale, column), key, columns) in SOURCES.items():
        mark = f"INSERT INTO {stale} ({column}) VALUES"
        statements += [
            f"CREATE TRIGGER {table}_analytics_insert AFTER INSERT ON {table} "
            f"BEGIN {mark} (NEW.{key}); END",
            f"CREATE TRIGGER {table}_analytics_delete AFTER DELETE ON {table} "
            f"BEGIN {mark} (OLD.{key}); END",
            f"CREATE TRIGGER {table}_analytics_update AFTER UPDATE OF {', '.join(columns)} "
            f"ON {table} FOR EACH ROW WHEN {_changed(columns, 'sqlite')} "
            f"BEGIN {mark} (OLD.{key}); {mark} (NEW.{key}); END",
        ]
    statements.append(
        "CREATE TRIGGER patients_analytics_update AFTER UPDATE OF pseudonym ON patients "
        "FOR EACH ROW WHEN OLD.pseudonym IS NOT NEW.pseudonym "
        "BEGIN INSERT INTO analytics_stale_cases (case_id) "
        "SELECT id FROM cases WHERE patient_id = NEW.id; END"
    )
    return statements


def _postgresql_triggers() -> list[str]:
    statements = []
    for table, ((stale, column), key, columns) in SOURCES.items():
        function = f"{table}_analytics_stale"
        statements += [
            f"""CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO {stale} ({column}) VALUES (OLD.{key});
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO {stale} ({column}) VALUES (NEW.{key});
    END IF;
    RETURN NULL;
END $$""",
            f"CREATE TRIGGER {table}_analytics_insert_delete AFTER INSERT OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {function}()",
            f"CREATE TRIGGER {table}_analytics_update AFTER UPDATE OF {', '.join(columns)} "
            f"ON {table} FOR EACH ROW WHEN ({_changed(columns, 'postgresql')}) "
            f"EXECUTE FUNCTION {function}()",
        ]
    statements += [
        """CREATE FUNCTION patients_analytics_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO analytics_stale_cases (case_id) SELECT id FROM cases WHERE patient_id = NEW.id;
    RETURN NULL;
END $$""",
        "CREATE TRIGGER patients_analytics_update AFTER UPDATE OF pseudonym ON patients "
        "FOR EACH ROW WHEN (OLD.pseudonym IS DISTINCT FROM NEW.pseudonym) "
        "EXECUTE FUNCTION patients_analytics_stale()",
    ]
    return statements


def _stale_table(name: str, column: str) -> None:
    op.create_table(
        name,
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(column, sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )


def upgrade() -> None:
    op.create_table(
        "analytics_case_facts",
        sa.Column("case_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("pseudonym", sa.String(length=32), nullable=False),
        sa.Column("urgency", sa.String(length=40), nullable=False),
        sa.Column("referred_day", sa.Integer(), nullable=False),
        sa.Column("first_mri_gap", sa.Integer(), nullable=True),
        sa.Column("decided_day", sa.Integer(), nullable=True),
        sa.Column("decided_us", sa.BigInteger(), nullable=True),
        sa.Column("band", sa.String(length=40), nullable=True),
        sa.Column("died", sa.Boolean(), nullable=True),
        sa.Column("observed_days", sa.Integer(), nullable=True),
        sa.Column("mri_days", sa.Integer(), nullable=True),
        sa.Column("start_after_us", sa.BigInteger(), nullable=True),
        sa.Column("adherence_code", sa.Integer(), nullable=True),
        sa.Column("adherence_day", sa.Integer(), nullable=True),
        sa.Column("deviation_reason", sa.Text(), nullable=True),
        sa.Column("pain_code", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_analytics_case_facts")),
    )
    for name, columns in CASE_FACT_INDEXES.items():
        op.create_index(f"ix_analytics_case_facts_{name}", "analytics_case_facts", columns)
    op.create_table(
        "analytics_meeting_facts",
        sa.Column("meeting_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("on_agenda", sa.Integer(), nullable=False),
        sa.Column("discussed", sa.Integer(), nullable=False),
        sa.Column("complete", sa.Integer(), nullable=False),
        sa.Column("not_recorded", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("meeting_id", name=op.f("pk_analytics_meeting_facts")),
    )
    _stale_table(*STALE_CASES)
    _stale_table(*STALE_MEETINGS)
    dialect = op.get_bind().dialect.name
    for statement in _postgresql_triggers() if dialect == "postgresql" else _sqlite_triggers():
        op.execute(statement)
    op.execute("INSERT INTO analytics_stale_cases (case_id) SELECT id FROM cases")
    op.execute("INSERT INTO analytics_stale_meetings (meeting_id) SELECT id FROM meetings")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in [*SOURCES, "patients"]:
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_analytics_insert_delete ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_analytics_update ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_analytics_stale()")
        else:
            for event in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_analytics_{event}")
    op.drop_table("analytics_stale_meetings")
    op.drop_table("analytics_stale_cases")
    op.drop_table("analytics_meeting_facts")
    for name in CASE_FACT_INDEXES:
        op.drop_index(f"ix_analytics_case_facts_{name}", table_name="analytics_case_facts")
    op.drop_table("analytics_case_facts")
