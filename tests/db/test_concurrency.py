"""Concurrent edits never silently overwrite (zero lost updates), on every backend.

8 threads, each with its own engine and Database on the same database, make 200
read-then-update edits each to the same 2 cases (load the case, append a unique token
to its referral question, save with the loaded version) and add notes. Every edit
either lands or is refused with ConflictError; nothing else may happen. Afterwards each
case's referral question holds exactly the landed tokens, in the order they landed,
its version is 1 + the landed edits, and every note is there.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import defaultdict
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from board.auth.actor import Actor
from board.auth.roles import Role
from board.cases.service import add_note, create_case, get_case, update_case
from board.cases.views import CaseInput
from board.db.engine import Database
from board.db.models import AuditEvent, Note
from board.errors import ConflictError

THREADS = 8
UPDATES_PER_THREAD = 200
NOTE_EVERY = 4  # each thread adds a note after every 4th attempt: 50 notes per thread
START = "q"


@dataclasses.dataclass
class _Outcome:
    landed: dict[int, list[str]] = dataclasses.field(default_factory=lambda: defaultdict(list))
    conflicts: int = 0
    notes: dict[int, int] = dataclasses.field(default_factory=lambda: defaultdict(int))
    errors: list[BaseException] = dataclasses.field(default_factory=list)


def _token(thread: int, attempt: int) -> str:
    # Short tokens keep 2 x 800 possible landings under the 5,000-character limit.
    return f"{thread}{attempt:02x}"


@pytest.mark.slow
def test_zero_lost_updates(
    database_url: str,
    db: Database,
    admin: Actor,
    make_user: Callable[..., Actor],
    new_case: Callable[..., CaseInput],
) -> None:
    case_ids = [create_case(db, admin, new_case(referral_question=START)).id for _ in range(2)]
    actors = [make_user(Role.COORDINATOR, display_name=f"Editor {n}") for n in range(THREADS)]
    outcomes = [_Outcome() for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)

    def worker(index: int) -> None:
        outcome = outcomes[index]
        actor = actors[index]
        own = Database.from_url(database_url)
        try:
            barrier.wait(30)
            for attempt in range(UPDATES_PER_THREAD):
                case_id = case_ids[(index + attempt) % len(case_ids)]
                token = _token(index, attempt)
                current = get_case(own, actor, case_id)
                edited = dataclasses.replace(
                    current.as_input(),
                    referral_question=f"{current.referral_question} {token}",
                )
                try:
                    update_case(own, actor, case_id, current.version, edited)
                except ConflictError:
                    outcome.conflicts += 1
                else:
                    outcome.landed[case_id].append(token)
                if attempt % NOTE_EVERY == 0:
                    add_note(own, actor, case_id, f"note {token}")
                    outcome.notes[case_id] += 1
        except BaseException as exc:
            outcome.errors.append(exc)
        finally:
            own.dispose()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"

    errors = [repr(exc) for outcome in outcomes for exc in outcome.errors]
    assert errors == [], f"only ConflictError is allowed: {errors[:5]}"
    total_landed = sum(len(v) for o in outcomes for v in o.landed.values())
    total_conflicts = sum(o.conflicts for o in outcomes)
    print(f"landed {total_landed}, refused with ConflictError {total_conflicts}")
    assert total_landed + total_conflicts == THREADS * UPDATES_PER_THREAD
    assert total_conflicts > 0, "the threads never overlapped: the test proved nothing"
    assert total_landed >= len(case_ids)

    for case_id in case_ids:
        landed = {i: o.landed[case_id] for i, o in enumerate(outcomes)}
        final = get_case(db, admin, case_id)
        first, *tokens = final.referral_question.split(" ")
        assert first == START
        # Exactly the landed edits, each once: nothing lost, nothing invented.
        assert sorted(tokens) == sorted(t for ts in landed.values() for t in ts)
        assert len(tokens) == len(set(tokens))
        # Each thread's landed edits appear in the order that thread made them.
        for index, own_tokens in landed.items():
            assert [t for t in tokens if t.startswith(str(index))] == own_tokens
        assert final.version == 1 + len(tokens)
        # The audit trail tells the same story, one event per landed edit, in order.
        with db.read() as session:
            after_texts = session.scalars(
                select(AuditEvent.after["referral_question"].as_string())
                .where(AuditEvent.case_id == case_id, AuditEvent.action == "case.update")
                .order_by(AuditEvent.id)
            ).all()
            note_count = session.scalar(
                select(func.count()).select_from(Note).where(Note.case_id == case_id)
            )
        assert len(after_texts) == len(tokens)
        assert after_texts[-1] == final.referral_question
        assert [text.rsplit(" ", 1)[1] for text in after_texts] == tokens
        assert note_count == sum(o.notes[case_id] for o in outcomes)
        assert len(final.notes) == note_count
