"""Structured logs: one JSON object per line, each error with a request id.

What is logged about an error is chosen so that it can never carry patient data: the
error's type, the type of its cause (the database driver's error, for instance) and
where it happened (file, line and function of each frame in this project). The error's
message, its arguments and local variables are never logged: a message can hold a
histology, a hospital number or a file name.

A *request id* ties a log line to what a person saw: the web routes take it from an
``X-Request-ID`` header (a reverse proxy can set one) or make one, and answer with it;
each run of the app's script gets its own; the page shows it with the generic error
message ("reference ...") so a person can quote it to the administrator.

Use::

    from board import logs

    logs.configure()                        # once per process (app.py, the CLI)
    logs.log_error(log, "unexpected error", exc)   # returns the request id
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import secrets
import sys
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import IO, Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: The logger every board module logs under (``board.ui``, ``board.web``, ...).
ROOT_LOGGER = "board"
#: A request id given by a client or proxy is used when it looks like one.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_request_id: ContextVar[str | None] = ContextVar("tumorboard_request_id", default=None)
_FIELDS = "tumorboard_fields"
#: Frames of an error logged at most (innermost last).
MAX_FRAMES = 12


def new_request_id() -> str:
    """A fresh random request id (16 hexadecimal characters)."""
    return secrets.token_hex(8)


def valid_request_id(value: str | None) -> str | None:
    """``value`` when it is usable as a request id (8-64 letters, digits, ``.``, ``_``, ``-``).

    Parameters
    ----------
    value:
        A header value, for instance.

    Returns
    -------
    str | None
        The value, or ``None`` when it is missing or could inject anything into a log.
    """
    if value and _VALID_REQUEST_ID.match(value):
        return value
    return None


def current_request_id() -> str:
    """The request id of the work in progress; a new one when none was set.

    Returns
    -------
    str
        The id (kept for the rest of this context).
    """
    value = _request_id.get()
    if value is None:
        value = new_request_id()
        _request_id.set(value)
    return value


def start_request(request_id: str | None = None) -> str:
    """Begin a new unit of work (a script run, a command): set its request id.

    Parameters
    ----------
    request_id:
        The id to use; a new one when ``None`` or not valid.

    Returns
    -------
    str
        The request id now in force.
    """
    value = valid_request_id(request_id) or new_request_id()
    _request_id.set(value)
    return value


@contextmanager
def request_context(request_id: str | None = None) -> Iterator[str]:
    """Run a block under a request id, restoring the previous one afterwards.

    Parameters
    ----------
    request_id:
        The id to use; a new one when ``None`` or not valid.

    Yields
    ------
    str
        The request id in force inside the block.
    """
    value = valid_request_id(request_id) or new_request_id()
    token = _request_id.set(value)
    try:
        yield value
    finally:
        _request_id.reset(token)


def _where(frames: traceback.StackSummary) -> list[str]:
    own = []
    for frame in frames:
        path = Path(frame.filename)
        try:
            shown = str(path.resolve().relative_to(PROJECT_ROOT))
        except ValueError:
            continue  # a library's frame: the project's frames say where it was called
        own.append(f"{shown}:{frame.lineno} in {frame.name}")
    return own[-MAX_FRAMES:]


def error_fields(error: BaseException) -> dict[str, Any]:
    """What may be logged about ``error``: types and places, never its message.

    Parameters
    ----------
    error:
        The error.

    Returns
    -------
    dict[str, Any]
        ``error_type``, ``cause_types`` (the chain of causes, outermost first) and
        ``where`` (this project's frames, innermost last).
    """
    causes: list[str] = []
    cause = error.__cause__ or error.__context__
    seen = {id(error)}
    while cause is not None and id(cause) not in seen and len(causes) < 5:
        seen.add(id(cause))
        causes.append(_type_name(cause))
        cause = cause.__cause__ or cause.__context__
    orig = getattr(error, "orig", None)  # a SQLAlchemy error's driver error
    if isinstance(orig, BaseException) and _type_name(orig) not in causes:
        causes.insert(0, _type_name(orig))
    return {
        "error_type": _type_name(error),
        "cause_types": causes,
        "where": _where(traceback.extract_tb(error.__traceback__)),
    }


def _type_name(error: BaseException) -> str:
    kind = type(error)
    return (
        kind.__qualname__
        if kind.__module__ == "builtins"
        else f"{kind.__module__}.{kind.__qualname__}"
    )


def log_error(
    logger: logging.Logger,
    event: str,
    error: BaseException,
    *,
    level: int = logging.ERROR,
    **fields: Any,
) -> str:
    """Log ``error`` as one structured line with the current request id.

    Parameters
    ----------
    logger:
        The logger (under ``board``).
    event:
        A fixed description of what failed ("unexpected error", "database unavailable");
        never data.
    error:
        The error; only its types and places are logged (:func:`error_fields`).
    level:
        The log level (``logging.ERROR`` by default).
    **fields:
        More fixed fields (a route path, a command name); never patient data.

    Returns
    -------
    str
        The request id, to show to the person who met the error.
    """
    request_id = current_request_id()
    logger.log(level, event, extra={_FIELDS: {**error_fields(error), **fields}})
    return request_id


def log_event(
    logger: logging.Logger, event: str, *, level: int = logging.INFO, **fields: Any
) -> str:
    """Log one structured line (no error attached) with the current request id.

    Parameters
    ----------
    logger:
        The logger (under ``board``).
    event:
        A fixed description ("request body over the limit"); never data.
    level:
        The log level.
    **fields:
        Fixed fields (sizes, a route path); never patient data.

    Returns
    -------
    str
        The request id.
    """
    request_id = current_request_id()
    logger.log(level, event, extra={_FIELDS: fields})
    return request_id


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, event, request id, fields."""

    def format(self, record: logging.LogRecord) -> str:
        """Format ``record`` as a JSON line.

        Parameters
        ----------
        record:
            The log record. Exception information attached by ``logger.exception`` is
            reduced to :func:`error_fields` (never the message).

        Returns
        -------
        str
            The JSON text (no newline).
        """
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
            "request_id": _request_id.get(),
        }
        extra = getattr(record, _FIELDS, None)
        if isinstance(extra, Mapping):
            entry.update(extra)
        if record.exc_info and record.exc_info[1] is not None and "error_type" not in entry:
            entry.update(error_fields(record.exc_info[1]))
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure(stream: IO[str] | None = None, level: int = logging.INFO) -> logging.Handler:
    """Send the ``board`` loggers' records to ``stream`` as JSON lines (once per process).

    Parameters
    ----------
    stream:
        Where to write; standard error when ``None``.
    level:
        The lowest level written.

    Returns
    -------
    logging.Handler
        The handler (the same one on later calls with the same stream).
    """
    logger = logging.getLogger(ROOT_LOGGER)
    target = stream if stream is not None else sys.stderr
    for handler in logger.handlers:
        if (
            isinstance(handler.formatter, JsonFormatter)
            and getattr(handler, "stream", None) is target
        ):
            return handler
    handler = logging.StreamHandler(target)
    handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    return handler
