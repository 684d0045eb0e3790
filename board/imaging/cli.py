"""``python -m board import-dicom PATH... [--case ID | --dry-run] [--json]``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence

from board.auth.actor import Actor
from board.auth.roles import Role
from board.db.engine import Database
from board.db.migrate import upgrade_to_head
from board.imaging.enums import ImportStatus
from board.imaging.importer import import_paths
from board.imaging.links import derive_key
from board.settings import load_settings

#: The actor of command-line imports: whoever runs the command on the server.
COMMAND_LINE_ACTOR = Actor(
    user_id=None,
    username="command line",
    display_name="Command-line import",
    role=Role.COORDINATOR,
)


def run_import_dicom(
    paths: Sequence[str],
    *,
    case_id: int | None,
    dry_run: bool,
    override_reason: str | None = None,
    emit: Callable[[Mapping[str, object]], None] | None = None,
) -> int:
    """Import (or check) DICOM inputs and print the results.

    Parameters
    ----------
    paths:
        Files, folders and zip archives.
    case_id:
        The case to attach to; ``None`` with ``dry_run``.
    dry_run:
        Check only: nothing is written (no database needed without a case).
    override_reason:
        Attach studies of a different patient anyway, for this reason (audited).
    emit:
        Receives one JSON-ready dict per file, then the summary; plain text is
        printed when ``None``.

    Returns
    -------
    int
        0 when at least one file was imported or was already there, else 1.

    Raises
    ------
    BoardError
        For a missing case, or a bad setting (shown as one line by the caller).
    """

    settings = load_settings()
    key = derive_key(settings.secret_key)
    db = None
    if case_id is not None:
        db = Database.from_url(settings.database_url)
        upgrade_to_head(db.engine)
    try:
        report = import_paths(
            db,
            COMMAND_LINE_ACTOR if case_id is not None else None,
            case_id,
            paths,
            key=key,
            dry_run=dry_run,
            override_reason=override_reason,
        )
    finally:
        if db is not None:
            db.dispose()
    if emit is not None:
        for result in report.files:
            emit(result.as_json())
        emit(report.summary)
    else:
        for result in report.files:
            line = f"{result.status.value:9} {result.path}"
            if result.reason:
                line += f": {result.reason}"
            print(line)
        for conflict in report.conflicts:
            print(
                f"refused study {conflict.description}: {conflict.reason} "
                "(use --override-reason to attach it anyway)",
                file=sys.stderr,
            )
        print(report.message)
    usable = report.imported + report.count(ImportStatus.DUPLICATE)
    return 0 if usable > 0 else 1
