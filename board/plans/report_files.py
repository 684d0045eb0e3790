"""Rendering a finalized plan's report and letter files after the finalizing commit.

The chair's "Finalize plan" click returns once the plan is finalized and its report kept
(:func:`board.plans.lifecycle.finalize_plan`); the files are rendered in a background
thread from that kept model and stored in a short transaction of their own. Until then,
and should the server stop first, downloads render the same files from the kept model
(:func:`board.reports.service.report_data`), and the next download or
:func:`board.reports.service.store_report_files` stores them.
"""

from __future__ import annotations

import logging
import threading

from board.auth.actor import Actor
from board.db.engine import Database
from board.reports.letter import LetterTexts
from board.reports.model import BoardReport
from board.reports.service import store_report_files

_LOG = logging.getLogger(__name__)
_PENDING: set[threading.Thread] = set()
_PENDING_LOCK = threading.Lock()


def _store(db: Database, actor: Actor, plan_id: int, kept: tuple[BoardReport, LetterTexts]) -> None:
    try:
        store_report_files(db, actor, plan_id, kept)
    except Exception:  # the files are rendered again from the kept model when asked for
        _LOG.exception("storing the report files of plan version %s failed", plan_id)
    finally:
        with _PENDING_LOCK:
            _PENDING.discard(threading.current_thread())


def store_files_in_background(
    db: Database, actor: Actor, plan_id: int, kept: tuple[BoardReport, LetterTexts]
) -> threading.Thread:
    """Render and store a just-finalized plan version's files in a background thread.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who finalized.
    plan_id:
        The plan version.
    kept:
        The report model and letter texts kept in the finalizing transaction.

    Returns
    -------
    threading.Thread
        The started (daemon) thread.
    """
    thread = threading.Thread(
        target=_store,
        args=(db, actor, plan_id, kept),
        name=f"report-files-{plan_id}",
        daemon=True,
    )
    with _PENDING_LOCK:
        _PENDING.add(thread)
    thread.start()
    return thread


def wait_for_report_files(timeout: float | None = None) -> bool:
    """Wait until every background rendering started so far has finished.

    Parameters
    ----------
    timeout:
        Seconds to wait at most per rendering; ``None`` waits as long as it takes.

    Returns
    -------
    bool
        Whether none is left running.
    """
    with _PENDING_LOCK:
        pending = list(_PENDING)
    for thread in pending:
        thread.join(timeout)
    with _PENDING_LOCK:
        return not _PENDING
