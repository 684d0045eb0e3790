"""Command line: ``python -m board --help``.

Commands print plain text (or JSON where asked) and exit non-zero with a one-line
message on a user error; tracebacks are only shown with ``--debug``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from board.accounts.users import count_users, create_first_admin, create_user
from board.analytics.export import analytics_json
from board.analytics.facts import rebuild_analytics_facts
from board.analytics.service import AnalyticsPeriod, board_analytics
from board.analytics.summary import plain_summary
from board.auth.actor import Actor
from board.auth.roles import Role
from board.backup.service import backup_board, restore_board
from board.db.engine import Database, database_unavailable, sqlite_file
from board.db.migrate import upgrade_to_head
from board.demo import load_demo
from board.errors import BoardError, DatabaseUnavailableError, ValidationError
from board.imaging.cli import run_import_dicom
from board.meetings.calendar import export_calendar
from board.outreach.deck import export_deck
from board.outreach.reminders import run_notify
from board.reports.service import export_letter, export_report
from board.settings import Settings, email_address, load_settings


def _database(settings: Settings | None = None) -> Database:
    db = Database.from_url((settings or load_settings()).database_url)
    upgrade_to_head(db.engine)
    return db


def _cmd_init_db(_args: argparse.Namespace) -> int:
    settings = load_settings()
    db = Database.from_url(settings.database_url)
    upgrade_to_head(db.engine)
    print(f"Database ready at {settings.safe_database_url}")
    return 0


def _cmd_demo(_args: argparse.Namespace) -> int:
    summary = load_demo(_database())
    print(summary.message)
    return 0


def _cmd_create_user(args: argparse.Namespace) -> int:
    settings = load_settings()
    password = args.password or settings.new_password
    if not password:
        if not sys.stdin.isatty():
            print("error: give --password or set TUMORBOARD_NEW_PASSWORD", file=sys.stderr)
            return 2
        password = getpass.getpass("Password (at least 10 characters): ")
    db = _database(settings)
    role = Role(args.role)
    if count_users(db) == 0:
        if role is not Role.ADMIN:
            print(
                "error: the first account must be an administrator (--role admin)", file=sys.stderr
            )
            return 2
        user = create_first_admin(db, args.username, args.name, password)
    else:
        user = create_user(
            db, Actor.system("command line"), args.username, args.name, role, password
        )
    print(f"Created {user.role.label} '{user.username}' ({user.display_name}).")
    return 0


def _cmd_import_dicom(args: argparse.Namespace) -> int:
    def emit(line: Mapping[str, object]) -> None:
        print(json.dumps(line, ensure_ascii=False))

    return run_import_dicom(
        args.paths,
        case_id=args.case,
        dry_run=args.dry_run,
        override_reason=args.override_reason,
        emit=emit if args.json else None,
    )


def _write_output(data: bytes, out: str | None, default_name: str) -> str:
    """Write an export to ``out`` (``-`` for standard output) or the default file name."""
    if out == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return "standard output"
    path = out or default_name
    with open(path, "wb") as handle:
        handle.write(data)
    return path


def _cmd_report(args: argparse.Namespace) -> int:
    file = export_report(
        _database(), Actor.system("command line"), args.case_id, args.format, channel="cli"
    )
    where = _write_output(file.data, args.out, file.filename)
    kind = "stored finalized" if file.stored else "freshly rendered"
    print(f"Wrote the {kind} {args.format.upper()} report to {where}.", file=sys.stderr)
    return 0


def _cmd_letter(args: argparse.Namespace) -> int:
    file = export_letter(
        _database(), Actor.system("command line"), args.case_id, args.format, channel="cli"
    )
    where = _write_output(file.data, args.out, file.filename)
    kind = "stored finalized" if file.stored else "draft"
    print(f"Wrote the {kind} outcome letter ({args.format.upper()}) to {where}.", file=sys.stderr)
    return 0


def _cmd_deck(args: argparse.Namespace) -> int:
    file = export_deck(_database(), Actor.system("command line"), args.meeting_id, channel="cli")
    where = _write_output(file.data, args.out, file.filename)
    print(f"Wrote the meeting deck ({file.slides} slides) to {where}.", file=sys.stderr)
    return 0


def _cmd_calendar(args: argparse.Namespace) -> int:
    settings = load_settings()
    file = export_calendar(
        _database(settings),
        Actor.system("command line"),
        args.meeting_id,
        secret_key=settings.secret_key,
        organizer=email_address(settings.mail_from) if settings.mail_from else None,
        app_url=settings.app_url,
        channel="cli",
    )
    where = _write_output(file.data, args.out, file.filename)
    what = "cancellation" if file.method == "CANCEL" else "invitation"
    print(
        f"Wrote the meeting {what} (sequence {file.sequence}) to {where}.",
        file=sys.stderr,
    )
    return 0


def _cmd_notify(args: argparse.Namespace) -> int:
    settings = load_settings()
    result = run_notify(
        _database(settings), Actor.system("command line"), settings, dry_run=args.dry_run
    )
    if args.json:
        print(json.dumps(result.as_json(), indent=2, ensure_ascii=False))
    else:
        for reminder in result.due if (args.dry_run or not result.mail_enabled) else result.sent:
            print(f"{reminder.kind.label}: {reminder.recipient}: {reminder.subject}")
        for reminder, reason in result.failed:
            print(f"NOT SENT {reminder.recipient}: {reminder.subject} ({reason})")
        print(result.summary())
    return 1 if result.failed else 0


def _cmd_export_fhir(args: argparse.Namespace) -> int:
    from board.reports.fhir import export_fhir

    file = export_fhir(_database(), Actor.system("command line"), args.case_id, channel="cli")
    where = _write_output(file.data, args.out, file.filename)
    print(f"Wrote the FHIR R4 bundle to {where}.", file=sys.stderr)
    return 0


def _cmd_backup(args: argparse.Namespace) -> int:
    settings = load_settings()
    path = sqlite_file(settings.database_url)
    if path is not None and not path.exists():
        raise ValidationError(f"There is no database at {settings.safe_database_url}.")
    db = Database.from_url(settings.database_url)
    try:
        summary = backup_board(
            db,
            Actor.system("command line"),
            Path(args.out),
            secret_key=settings.secret_key,
            progress=_progress if args.verbose else None,
        )
    finally:
        db.dispose()
    manifest = summary.manifest
    print(
        f"Backed up {manifest.total_rows:,} rows of {len(manifest.tables)} tables "
        f"(schema {manifest.alembic_revision}, {settings.safe_database_url}) to {summary.path}: "
        f"{summary.size_bytes / 1_000_000:.1f} MB in {summary.seconds:.1f} s."
    )
    return 0


def _cmd_restore(args: argparse.Namespace) -> int:
    settings = load_settings()
    db = Database.from_url(settings.database_url)
    try:
        summary = restore_board(
            db,
            Actor.system("command line"),
            Path(args.file),
            secret_key=settings.secret_key,
            progress=_progress if args.verbose else None,
        )
    finally:
        db.dispose()
    manifest = summary.manifest
    print(
        f"Restored {manifest.total_rows:,} rows of {len(manifest.tables)} tables from the "
        f"backup of {manifest.created_at:%Y-%m-%d %H:%M} UTC (schema "
        f"{manifest.alembic_revision}, {manifest.source_dialect}) into "
        f"{settings.safe_database_url}; schema now {summary.schema_revision}; "
        f"{summary.seconds:.1f} s. Everyone signs in again."
    )
    if not summary.same_key:
        print(
            "warning: TUMORBOARD_SECRET_KEY differs from the key of the installation the "
            "backup was made on. Set the same key before starting the app: imaging "
            "duplicate checks and signed sessions depend on it.",
            file=sys.stderr,
        )
    return 0


def _progress(table: str, rows: int) -> None:
    print(f"  {table}: {rows:,} rows", file=sys.stderr)


def _iso_date(text: str) -> dt.date:
    """An argparse type: a date written YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, not {text!r}") from None


def _cmd_analytics(args: argparse.Namespace) -> int:
    period = AnalyticsPeriod(args.date_from, args.date_to)
    if args.rebuild:
        done = rebuild_analytics_facts(_database())
        print(
            f"Analytics facts computed again: {done.cases} cases, {done.meetings} meetings.",
            file=sys.stderr,
        )
    # an export: every urgent miss and deviation listed
    result = board_analytics(_database(), Actor.system("command line"), period, list_limit=None)
    if args.json:
        print(json.dumps(analytics_json(result), indent=2, ensure_ascii=False))
    else:
        print(plain_summary(result))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every command."""
    parser = argparse.ArgumentParser(
        prog="python -m board",
        description="Tumor Board command line. Settings come from the TUMORBOARD_* "
        "environment variables (see README.md).",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("init-db", help="create or upgrade the database schema")
    p.set_defaults(func=_cmd_init_db)

    p = sub.add_parser("demo", help="load the fictional demonstration board into an empty database")
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("create-user", help="create a user (the first one must be an admin)")
    p.add_argument("username")
    p.add_argument("--name", required=True, help="full name shown to others")
    p.add_argument("--role", default="admin", choices=[r.value for r in Role])
    p.add_argument("--password", help="password (else TUMORBOARD_NEW_PASSWORD or a prompt)")
    p.set_defaults(func=_cmd_create_user)

    p = sub.add_parser(
        "import-dicom",
        help="import DICOM files, folders (DICOMDIR trees too) and zips into a case",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="files, folders or zip archives")
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--case", type=int, help="id of the case to attach the studies to")
    target.add_argument("--dry-run", action="store_true", help="check the files; save nothing")
    p.add_argument("--json", action="store_true", help="one JSON object per file, then a summary")
    p.add_argument(
        "--override-reason", help="attach studies of a different patient anyway (audited)"
    )
    p.set_defaults(func=_cmd_import_dicom)

    p = sub.add_parser("report", help="write a case's board report (PDF or HTML)")
    p.add_argument("case_id", type=int, metavar="CASE_ID")
    p.add_argument("--format", choices=["pdf", "html"], default="pdf")
    p.add_argument("--out", metavar="FILE", help="output file ('-' for standard output)")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("letter", help="write a case's outcome letter to the referring clinician")
    p.add_argument("case_id", type=int, metavar="CASE_ID")
    p.add_argument(
        "--out", required=True, metavar="FILE", help="output file ('-' for standard output)"
    )
    p.add_argument("--format", choices=["docx", "pdf"], default="docx")
    p.set_defaults(func=_cmd_letter)

    p = sub.add_parser("deck", help="write a meeting's slides (PPTX): one slide per agenda case")
    p.add_argument("meeting_id", type=int, metavar="MEETING_ID")
    p.add_argument(
        "--out", required=True, metavar="FILE", help="output file ('-' for standard output)"
    )
    p.set_defaults(func=_cmd_deck)

    p = sub.add_parser(
        "calendar", help="write a meeting's calendar invitation (.ics; a cancellation if cancelled)"
    )
    p.add_argument("meeting_id", type=int, metavar="MEETING_ID")
    p.add_argument(
        "--out", required=True, metavar="FILE", help="output file ('-' for standard output)"
    )
    p.set_defaults(func=_cmd_calendar)

    p = sub.add_parser(
        "notify",
        help="send the reminder e-mails that are due (never the same one twice); run it "
        "from cron or a systemd timer",
    )
    p.add_argument("--dry-run", action="store_true", help="list what is due; send nothing")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=_cmd_notify)

    p = sub.add_parser("export-fhir", help="write a case as a FHIR R4 Bundle (JSON)")
    p.add_argument("case_id", type=int, metavar="CASE_ID")
    p.add_argument("--out", metavar="FILE", help="output file ('-' for standard output)")
    p.set_defaults(func=_cmd_export_fhir)

    p = sub.add_parser(
        "analytics",
        help="print the board analytics (timeliness, adherence, pain response, survival)",
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of a plain summary")
    p.add_argument(
        "--from", dest="date_from", type=_iso_date, metavar="YYYY-MM-DD", help="first day"
    )
    p.add_argument("--to", dest="date_to", type=_iso_date, metavar="YYYY-MM-DD", help="last day")
    p.add_argument(
        "--rebuild",
        action="store_true",
        help="first compute every case's analytics facts again (after changes made to the "
        "database with its triggers off)",
    )
    p.set_defaults(func=_cmd_analytics)

    p = sub.add_parser(
        "backup",
        help="write a consistent backup of the whole board (safe while the app runs)",
    )
    p.add_argument("--out", required=True, metavar="FILE", help="the backup file to write")
    p.add_argument("--verbose", action="store_true", help="list each table as it is done")
    p.set_defaults(func=_cmd_backup)

    p = sub.add_parser(
        "restore",
        help="restore a backup into an empty database (then migrate it to the newest schema)",
    )
    p.add_argument("file", metavar="FILE", help="a file written by 'backup'")
    p.add_argument("--verbose", action="store_true", help="list each table as it is done")
    p.set_defaults(func=_cmd_restore)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv:
        Arguments without the program name; ``sys.argv[1:]`` when omitted.

    Returns
    -------
    int
        The exit code.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except BoardError as exc:
        if args.debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        # The database gone or failing while a command runs (including while it is
        # opened and migrated, before any service is called): the app's own message.
        if args.debug or not database_unavailable(exc):
            raise
        print(f"error: {DatabaseUnavailableError.MESSAGE}", file=sys.stderr)
        return 1
