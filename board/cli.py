"""Command line: ``python -m board --help``.

Commands print plain text (or JSON where asked) and exit non-zero with a one-line
message on a user error; tracebacks are only shown with ``--debug``.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Mapping, Sequence

from board.auth.roles import Role
from board.db.engine import Database
from board.db.migrate import upgrade_to_head
from board.errors import BoardError
from board.settings import load_settings


def _database() -> Database:
    db = Database.from_url(load_settings().database_url)
    upgrade_to_head(db.engine)
    return db


def _cmd_init_db(_args: argparse.Namespace) -> int:
    settings = load_settings()
    db = Database.from_url(settings.database_url)
    upgrade_to_head(db.engine)
    print(f"Database ready at {settings.safe_database_url}")
    return 0


def _cmd_demo(_args: argparse.Namespace) -> int:
    from board.demo import load_demo

    summary = load_demo(_database())
    print(summary.message)
    return 0


def _cmd_create_user(args: argparse.Namespace) -> int:
    from board.auth.actor import Actor
    from board.auth.users import count_users, create_first_admin, create_user

    password = args.password or os.environ.get("TUMORBOARD_NEW_PASSWORD")
    if not password:
        if not sys.stdin.isatty():
            print("error: give --password or set TUMORBOARD_NEW_PASSWORD", file=sys.stderr)
            return 2
        password = getpass.getpass("Password (at least 10 characters): ")
    db = _database()
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
    import json

    from board.imaging.cli import run_import_dicom

    def emit(line: Mapping[str, object]) -> None:
        print(json.dumps(line, ensure_ascii=False))

    return run_import_dicom(
        args.paths,
        case_id=args.case,
        dry_run=args.dry_run,
        override_reason=args.override_reason,
        emit=emit if args.json else None,
    )


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
