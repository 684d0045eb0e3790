"""Analytics facts per case and per meeting: computed once per change, read on every view.

The analytics page counts every case of the board. Joining each case's plans,
follow-ups and studies on every view grows with the whole history (about 0.2 s at
10,000 cases on SQLite). Instead, each case's figures are reduced once to one row of
numbers in ``analytics_case_facts`` (:class:`~board.db.models.AnalyticsCaseFacts`), and
each meeting's agenda to one row of counts in ``analytics_meeting_facts``; the page
aggregates those narrow tables, mostly from their indexes.

Keeping the rows true
---------------------
Database triggers (migration 0013) add a case to ``analytics_stale_cases`` (a meeting
to ``analytics_stale_meetings``) whenever a column its figures are made of changes: in
the app, in a restore or in a fix made by hand. :func:`refresh_analytics_facts` claims
the listed ones (``DELETE ... RETURNING``, so a change committed meanwhile stays listed
for the next refresh) and computes their rows again in one write transaction;
:func:`board.analytics.service.board_analytics` runs it before every view, so the page
never reads a row older than the data.

The rows are derived data, not a person's change: computing them is not audited.
"""

from __future__ import annotations

from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import (
    BigInteger,
    BindParameter,
    Boolean,
    ColumnElement,
    String,
    Table,
    Text,
    and_,
    bindparam,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    select,
    text,
    type_coerce,
)
from sqlalchemy.orm import Session, aliased

from board.db.engine import Database
from board.db.models import (
    AgendaItem,
    AnalyticsCaseFacts,
    AnalyticsMeetingFacts,
    AnalyticsStaleCase,
    AnalyticsStaleMeeting,
    Case,
    FollowUp,
    ImagingStudy,
    Meeting,
    Patient,
    PlanVersion,
)
from board.db.sqltime import day_number, epoch_microseconds, utc_date
from board.followup.enums import Adherence, FollowUpStatus
from board.plans.enums import PlanStatus
from board.scoring.pain import PainResponse

MRI_MODALITY = "MR"
FACTS: Table = AnalyticsCaseFacts.__table__  # type: ignore[assignment]
MEETING_FACTS: Table = AnalyticsMeetingFacts.__table__  # type: ignore[assignment]

#: value codes stored in ``adherence_code`` and ``pain_code`` (1 upwards, in enum order)
ADHERENCE_CODES: dict[str, int] = {
    a.value: code for code, a in enumerate(Adherence, start=1) if a.assessed
}
PAIN_CODES: dict[str, int] = {p.value: code for code, p in enumerate(PainResponse, start=1)}
ADHERENCE_BY_CODE: dict[int, Adherence] = {
    code: Adherence(value) for value, code in ADHERENCE_CODES.items()
}
PAIN_BY_CODE: dict[int, PainResponse] = {
    code: PainResponse(value) for value, code in PAIN_CODES.items()
}
DEVIATION_CODES: tuple[int, ...] = tuple(
    ADHERENCE_CODES[a.value] for a in Adherence if a.is_deviation
)

#: above this many cases to compute, one statement computes every case
REBUILD_ABOVE = 2000
#: cases per restricted statement (bound parameters stay well under every limit)
CHUNK = 500
#: PostgreSQL advisory lock that lets one refresh run at a time
_LOCK_KEY = 0x7B0A_2D13

# A case's latest follow-up with a value is found in one GROUP BY pass: max() of one
# whole number per entry that sorts as "latest" does and carries what is needed,
# ((day + _DAY_OFFSET, or 0 undated) * _ID_SPAN + id) * _CODE_SPAN + the value's code.
_ID_SPAN = 2**32
_DAY_OFFSET = 1_000_000
_CODE_SPAN = 8

_IDS: BindParameter[int] = bindparam("ids", expanding=True)


def _latest(
    condition: ColumnElement[bool], value: ColumnElement[str | None], codes: dict[str, int]
) -> ColumnElement[int]:
    """Per case, the packed number of the latest done follow-up with one of ``codes``.

    "Latest" orders the entries as the page reads them: undated before dated, then by
    date, then by entry (id). Both databases compute it in 64-bit integers (at most
    about 4e16).
    """
    dated = func.coalesce(day_number(FollowUp.done_on) + _DAY_OFFSET, 0)
    key = (dated * literal(_ID_SPAN, BigInteger) + FollowUp.id) * _CODE_SPAN + case(
        codes, value=value
    )
    return func.max(case((and_(condition, value.in_(codes)), key)))


#: the columns :func:`_facts_statement` selects, in order
FACT_COLUMNS: tuple[str, ...] = (
    "case_id",
    "pseudonym",
    "urgency",
    "referred_day",
    "first_mri_gap",
    "decided_day",
    "decided_us",
    "band",
    "died",
    "observed_days",
    "mri_days",
    "start_after_us",
    "adherence_code",
    "adherence_day",
    "deviation_reason",
    "pain_code",
)


@cache
def _facts_statement(restricted: bool) -> Any:
    """The facts of every case, or (``restricted``) of the cases bound as ``ids``."""

    def only(column: Any) -> list[ColumnElement[bool]]:
        return [column.in_(_IDS)] if restricted else []

    first_mri = (
        select(ImagingStudy.case_id, func.min(ImagingStudy.study_date).label("first_mri"))
        .where(
            ImagingStudy.modality == MRI_MODALITY,
            ImagingStudy.study_date.is_not(None),
            *only(ImagingStudy.case_id),
        )
        .group_by(ImagingStudy.case_id)
        .subquery("first_mri")
    )
    ranked = (
        select(
            PlanVersion.case_id,
            PlanVersion.finalized_at,
            PlanVersion.baseline,
            func.row_number()
            .over(
                partition_by=PlanVersion.case_id,
                order_by=(PlanVersion.finalized_at, PlanVersion.id),
            )
            .label("rank"),
        )
        .where(
            PlanVersion.status.in_((PlanStatus.FINALIZED, PlanStatus.SUPERSEDED)),
            PlanVersion.finalized_at.is_not(None),
            *only(PlanVersion.case_id),
        )
        .subquery("ranked")
    )
    decision = (
        select(
            ranked.c.case_id,
            ranked.c.finalized_at.label("decided_at"),
            utc_date(ranked.c.finalized_at).label("decided_on"),
            # only the band is read from the baseline JSON, and only of the first plan
            ranked.c.baseline["tokuhashi_band"].as_string().label("band"),
        )
        .where(ranked.c.rank == 1)
        .cte("decision")
    )
    done = FollowUp.status == FollowUpStatus.DONE
    follow_up = (
        select(
            FollowUp.case_id,
            func.min(FollowUp.treatment_started_at).label("started"),
            func.max(case((done, FollowUp.done_on))).label("last_contact"),
            _latest(done, type_coerce(FollowUp.adherence, String), ADHERENCE_CODES).label(
                "adherence"
            ),
            _latest(done, type_coerce(FollowUp.pain_response, String), PAIN_CODES).label("pain"),
        )
        .where(*only(FollowUp.case_id))
        .group_by(FollowUp.case_id)
        .subquery("follow_up")
    )
    last_mri = (
        select(ImagingStudy.case_id, func.max(ImagingStudy.study_date).label("last_mri"))
        .join(decision, decision.c.case_id == ImagingStudy.case_id)
        .where(
            ImagingStudy.modality == MRI_MODALITY,
            ImagingStudy.study_date <= decision.c.decided_on,
        )
        .group_by(ImagingStudy.case_id)
        .subquery("last_mri")
    )
    referred_day = day_number(utc_date(Case.created_at))
    decided_day = day_number(decision.c.decided_on)
    died = Case.died_on.is_not(None)
    observed = case(
        (died, day_number(Case.died_on)),
        else_=func.coalesce(day_number(follow_up.c.last_contact), decided_day),
    )
    packed = (
        select(
            Case.id.label("case_id"),
            Patient.pseudonym.label("pseudonym"),
            type_coerce(Case.urgency, String).label("urgency"),
            referred_day.label("referred_day"),
            (day_number(first_mri.c.first_mri) - referred_day).label("first_mri_gap"),
            decided_day.label("decided_day"),
            epoch_microseconds(decision.c.decided_at).label("decided_us"),
            decision.c.band.label("band"),
            type_coerce(died, Boolean).label("died"),
            case((observed < decided_day, 0), else_=observed - decided_day).label("observed_days"),
            (decided_day - day_number(last_mri.c.last_mri)).label("mri_days"),
            (
                epoch_microseconds(follow_up.c.started) - epoch_microseconds(decision.c.decided_at)
            ).label("start_after_us"),
            follow_up.c.adherence.label("adherence"),
            follow_up.c.pain.label("pain"),
        )
        .join(Patient, Patient.id == Case.patient_id)
        .outerjoin(first_mri, first_mri.c.case_id == Case.id)
        .outerjoin(decision, decision.c.case_id == Case.id)
        .outerjoin(follow_up, follow_up.c.case_id == Case.id)
        .outerjoin(last_mri, last_mri.c.case_id == Case.id)
        .where(*only(Case.id))
        .subquery("packed")
    )
    key = packed.c.adherence
    code = key % _CODE_SPAN
    dated = (key // _CODE_SPAN) // literal(_ID_SPAN, BigInteger)
    # the reason is looked up only for the (few) latest entries that are deviations
    reason_entry = aliased(FollowUp, name="reason_entry")
    reason = case(
        (
            code.in_(DEVIATION_CODES),
            select(reason_entry.deviation_reason)
            .where(reason_entry.id == (key // _CODE_SPAN) % literal(_ID_SPAN, BigInteger))
            .scalar_subquery(),
        )
    )
    return select(
        packed.c.case_id,
        packed.c.pseudonym,
        packed.c.urgency,
        packed.c.referred_day,
        packed.c.first_mri_gap,
        packed.c.decided_day,
        packed.c.decided_us,
        packed.c.band,
        packed.c.died,
        packed.c.observed_days,
        packed.c.mri_days,
        packed.c.start_after_us,
        code,
        case((dated > 0, dated - _DAY_OFFSET)),
        reason,
        packed.c.pain % _CODE_SPAN,
    )


def compute_case_facts(session: Session) -> list[Any]:
    """The facts of every case as the data stands now (what a refresh would store).

    Parameters
    ----------
    session:
        An open session.

    Returns
    -------
    list
        One row per case, ordered by case id, in :data:`FACT_COLUMNS` order.
    """
    return _computed(session, _CASES)


def compute_meeting_facts(session: Session) -> list[Any]:
    """The agenda counts of every meeting with agenda items, as the data stands now.

    Parameters
    ----------
    session:
        An open session.

    Returns
    -------
    list
        One row per meeting with agenda items, ordered by meeting id, in
        :data:`MEETING_FACT_COLUMNS` order.
    """
    return _computed(session, _MEETINGS)


@cache
def _meeting_facts_statement(restricted: bool) -> Any:
    """The agenda counts of every meeting, or of the meetings bound as ``ids``."""
    discussed = AgendaItem.discussed_at.is_not(None)
    # the stored list as text: '[]' nothing missing; SQL NULL or JSON null not recorded
    missing = func.coalesce(cast(AgendaItem.missing_at_discussion, Text), "null")
    return (
        select(
            AgendaItem.meeting_id,
            func.count(AgendaItem.id),
            func.count(AgendaItem.discussed_at),
            func.count(case((and_(discussed, missing == "[]"), 1))),
            func.count(case((and_(discussed, missing == "null"), 1))),
        )
        .where(*([AgendaItem.meeting_id.in_(_IDS)] if restricted else []))
        .group_by(AgendaItem.meeting_id)
    )


#: the columns :func:`_meeting_facts_statement` selects, in order
MEETING_FACT_COLUMNS: tuple[str, ...] = (
    "meeting_id",
    "on_agenda",
    "discussed",
    "complete",
    "not_recorded",
)


class _Kind(NamedTuple):
    """One kind of facts: its table, key column (the same in its stale list), the
    statement of its rows and its stale list."""

    table: Table
    key: str
    columns: tuple[str, ...]
    statement: Any  # restricted: bool -> the SELECT of its rows
    stale: Any  # the mapped class listing stale keys


_CASES = _Kind(FACTS, "case_id", FACT_COLUMNS, _facts_statement, AnalyticsStaleCase)
_MEETINGS = _Kind(
    MEETING_FACTS,
    "meeting_id",
    MEETING_FACT_COLUMNS,
    _meeting_facts_statement,
    AnalyticsStaleMeeting,
)


def _computed(session: Session, kind: _Kind) -> list[Any]:
    """Every row of ``kind`` as the data stands now, ordered by its key."""
    rows = session.execute(kind.statement(False)).all()
    return sorted((tuple(row) for row in rows), key=lambda row: row[0])


def _store(session: Session, kind: _Kind, keys: list[int]) -> None:
    """Compute the rows of ``keys`` again (every row when there are many)."""
    table = kind.table
    if len(keys) > REBUILD_ABOVE:
        session.execute(delete(table))
        session.execute(insert(table).from_select(list(kind.columns), kind.statement(False)))
        if session.get_bind().dialect.name == "postgresql":
            # planner statistics for a table just filled (autovacuum would come later)
            session.execute(text(f"ANALYZE {table.name}"))
        return
    for first in range(0, len(keys), CHUNK):
        chunk = keys[first : first + CHUNK]
        session.execute(delete(table).where(table.c[kind.key].in_(chunk)))
        session.execute(
            insert(table).from_select(list(kind.columns), kind.statement(True)), {"ids": chunk}
        )


class Refreshed(NamedTuple):
    """What :func:`refresh_analytics_facts` computed again."""

    cases: int
    meetings: int


def refresh_analytics_facts(db: Database) -> Refreshed:
    """Compute the facts of every case and meeting the triggers listed as stale.

    Opens a write transaction only when something is listed. On PostgreSQL an advisory
    lock lets one refresh run at a time; writers are never blocked (they only add to
    the lists).

    Parameters
    ----------
    db:
        The database.

    Returns
    -------
    Refreshed
        How many cases and meetings were computed again (0 and 0 when none was stale).

    Raises
    ------
    DatabaseUnavailableError
        When the database cannot be reached.
    """
    kinds = (_CASES, _MEETINGS)
    with db.read() as session:
        if all(session.scalar(select(k.stale.id).limit(1)) is None for k in kinds):
            return Refreshed(0, 0)
    counts = []
    with db.write() as session:
        if db.dialect == "postgresql":
            session.execute(select(func.pg_advisory_xact_lock(_LOCK_KEY)))
        for kind in kinds:
            claimed = session.scalars(
                delete(kind.stale)
                .returning(getattr(kind.stale, kind.key))
                .execution_options(synchronize_session=False)
            ).all()
            keys = sorted(set(claimed))
            _store(session, kind, keys)
            counts.append(len(keys))
    return Refreshed(*counts)


def rebuild_analytics_facts(db: Database) -> Refreshed:
    """List every case and meeting as stale, then compute them all again.

    For a database changed with its triggers off (PostgreSQL's
    ``session_replication_role = replica``, a bulk load that disabled them): the
    triggers could not list what changed, so everything is computed again.

    Parameters
    ----------
    db:
        The database.

    Returns
    -------
    Refreshed
        How many cases and meetings were computed.

    Raises
    ------
    DatabaseUnavailableError
        When the database cannot be reached.
    """
    with db.write() as session:
        for kind, source in ((_CASES, Case.id), (_MEETINGS, Meeting.id)):
            column = getattr(kind.stale, kind.key)
            session.execute(insert(kind.stale).from_select([column], select(source)))
    return refresh_analytics_facts(db)
