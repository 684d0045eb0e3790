"""Rendering a finalized plan's report and letter files after the finalizing commit.

The chair's "Finalize plan" click returns once the plan is finalized and its report kept
(:func:`board.plans.lifecycle.finalize_plan`). A background thread then has the files
rendered from that kept model in a worker process (rendering is pure Python: in the app's
own process it would hold the interpreter lock half the time and slow down the page run
that shows the finalized plan), and stores them in a short transaction of its own. If the
worker cannot be used the thread renders them itself. Until the files are stored, and
should the server stop first, downloads render the same files from the kept model
(:func:`board.reports.service.report_data`), and
:func:`board.reports.service.store_report_files` stores them later.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import threading
from concurrent.futures import ProcessPoolExecutor

from board.auth.actor import Actor
from board.db.engine import Database
from board.processes import die_with_parent
from board.reports.letter import LetterTexts
from board.reports.model import BoardReport
from board.reports.service import RenderedReport, render_report, store_report_files

_LOG = logging.getLogger(__name__)
_PENDING: set[threading.Thread] = set()
_PENDING_LOCK = threading.Lock()
#: The worker process that renders (started at the first finalize, kept for the next).
_WORKER: ProcessPoolExecutor | None = None
_WORKER_LOCK = threading.Lock()
#: A rendering that takes longer than this is done in this process instead.
RENDER_TIMEOUT_SECONDS = 120.0


def _worker() -> ProcessPoolExecutor:
    global _WORKER
    with _WORKER_LOCK:
        if _WORKER is None:
            import multiprocessing

            # "spawn": a fresh interpreter, not a fork of the app's threads and locks
            _WORKER = ProcessPoolExecutor(
                1,
                mp_context=multiprocessing.get_context("spawn"),
                # the watchdog only: the death signal would fire when the thread that
                # started the worker (one finalize's) ends
                initializer=die_with_parent,
                initargs=(os.getpid(), False),
            )
        return _WORKER


def _render_elsewhere(kept: tuple[BoardReport, LetterTexts]) -> RenderedReport:
    """The files, rendered in the worker process (in this one if that fails)."""
    global _WORKER
    report, texts = kept
    try:
        # the case read model is not printed: it stays here
        return (
            _worker()
            .submit(render_report, dataclasses.replace(report, case=None), texts)
            .result(timeout=RENDER_TIMEOUT_SECONDS)
        )
    except Exception as exc:  # a broken or stuck worker must not lose the files
        _LOG.warning(
            "rendering in the worker failed (%s); rendering here", type(exc).__name__, exc_info=True
        )
        with _WORKER_LOCK:
            if _WORKER is not None:
                _WORKER.shutdown(wait=False, cancel_futures=True)
                _WORKER = None
        return render_report(report, texts)


def _store(
    db: Database,
    actor: Actor,
    plan_id: int,
    kept: tuple[BoardReport, LetterTexts],
    at: dt.datetime | None,
) -> None:
    try:
        store_report_files(db, actor, plan_id, kept, rendered=_render_elsewhere(kept), at=at)
    except Exception:  # the files are rendered again from the kept model when asked for
        _LOG.exception("storing the report files of plan version %s failed", plan_id)
    finally:
        with _PENDING_LOCK:
            _PENDING.discard(threading.current_thread())


def store_files_in_background(
    db: Database,
    actor: Actor,
    plan_id: int,
    kept: tuple[BoardReport, LetterTexts],
    *,
    at: dt.datetime | None = None,
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
    at:
        The time recorded in the audit trail (when stored if ``None``).

    Returns
    -------
    threading.Thread
        The started (daemon) thread.
    """
    thread = threading.Thread(
        target=_store,
        args=(db, actor, plan_id, kept, at),
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
