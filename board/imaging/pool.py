"""The parsing process pool: DICOM headers parsed in several forked processes when the
batch is large, in this process otherwise.

The worker function :func:`_parse_chunk` is a module-level function of this module, so
the pool pickles it by its module path (``board.imaging.pool._parse_chunk``); the
items it parses are inherited through the fork, not sent through a pipe.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor

from board.imaging.common import Skipped
from board.imaging.parse import ParsedInstance, parse_source
from board.imaging.reader import SourceFile
from board.processes import WATCHDOG_SECONDS, die_with_parent

__all__ = [
    "CHUNK_TIMEOUT_SECONDS",
    "PARALLEL_MIN_FILES",
    "WATCHDOG_SECONDS",
    "ProgressCallback",
    "parse_all",
]

log = logging.getLogger(__name__)

#: ``progress(done, total, message)``: called while an import runs.
ProgressCallback = Callable[[int, int, str], None]

#: Batches with at least this many files are parsed by several processes.
PARALLEL_MIN_FILES = 200
_CHUNK = 50
#: A chunk of headers that takes longer than this is parsed again in this process.
CHUNK_TIMEOUT_SECONDS = 120.0

_FORK_ITEMS: list[SourceFile | Skipped] = []
_FORK_KEY: bytes = b""


def _parse_chunk(start: int, end: int) -> list[ParsedInstance | Skipped]:
    """Worker: parse the inherited items ``start:end`` (fork start method only)."""
    return [parse_source(item, key=_FORK_KEY) for item in _FORK_ITEMS[start:end]]


def _worker_count(n_files: int) -> int:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if n_files < PARALLEL_MIN_FILES or not cpus or cpus < 2:
        return 1
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return min(cpus, 4)


def parse_all(
    items: Sequence[SourceFile | Skipped],
    *,
    key: bytes,
    progress: ProgressCallback | None = None,
    workers: int | None = None,
) -> tuple[list[ParsedInstance | Skipped], int]:
    """Parse every item (header only), in order; several processes for large batches.

    Worker processes are forked, so they inherit the items already in memory instead
    of receiving them through a pipe; only the small parse results travel back. If the
    pool cannot be used, the items are parsed in this process.

    Parameters
    ----------
    items:
        From :func:`~board.imaging.reader.iter_sources` or ``iter_uploads``.
    key:
        HMAC key for the patient and accession hashes.
    progress:
        Called after every chunk with (done, total, message).
    workers:
        Processes to use; by default 1 for small batches, else the usable cores (at
        most 4).

    Returns
    -------
    tuple[list[ParsedInstance | Skipped], int]
        One result per item, and the number of processes used.
    """
    global _FORK_ITEMS, _FORK_KEY
    total = len(items)
    n = _worker_count(total) if workers is None else max(1, workers)
    if n > 1:
        import multiprocessing

        _FORK_ITEMS, _FORK_KEY = list(items), key
        pool = ProcessPoolExecutor(
            n,
            mp_context=multiprocessing.get_context("fork"),
            initializer=die_with_parent,
            initargs=(os.getpid(),),
        )
        try:
            results: list[ParsedInstance | Skipped] = []
            futures = [
                pool.submit(_parse_chunk, start, min(start + _CHUNK, total))
                for start in range(0, total, _CHUNK)
            ]
            for future in futures:
                results.extend(future.result(timeout=CHUNK_TIMEOUT_SECONDS))
                if progress:
                    progress(len(results), total, "Reading DICOM headers")
            return results, n
        except Exception as exc:  # a broken or stuck pool must not lose the batch
            log.warning("parallel parsing failed (%s); parsing in one process", type(exc).__name__)
            for process in list((getattr(pool, "_processes", None) or {}).values()):
                process.terminate()
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
            _FORK_ITEMS, _FORK_KEY = [], b""
    results = []
    for index, item in enumerate(items, start=1):
        results.append(parse_source(item, key=key))
        if progress and (index % _CHUNK == 0 or index == total):
            progress(index, total, "Reading DICOM headers")
    return results, 1
