"""The app server's listening sockets send small writes at once (``TCP_NODELAY``).

A script run reaches the browser as many small websocket messages, written one after
the other. Python's asyncio switches off Nagle's algorithm on the connections it
accepts only when the listening socket was made with the protocol number
``IPPROTO_TCP``; Streamlit's server binds its socket without one, so every connection
to the app kept Nagle's algorithm. Then the second small message of a run waited in the
server until the browser acknowledged the first, and browsers (like Linux itself) delay
that acknowledgement by up to 40 ms: each click, page load and sign-in waited about
40 ms for nothing (measured: the first two messages of a run arrived 42 ms apart; with
``TCP_NODELAY``, 0.1 ms).

:func:`enable_tcp_nodelay` sets ``TCP_NODELAY`` on every listening TCP socket of this
process. ``app.py`` calls it when the server imports the app: Streamlit has bound its
socket by then and has not accepted any browser yet, and each connection accepted later
takes the option over from the listening socket (Linux, the BSDs and macOS).
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

#: Where the process's open file descriptors are listed (Linux; the BSDs and macOS).
_FD_DIRECTORIES = (Path("/proc/self/fd"), Path("/dev/fd"))


def _open_descriptors() -> list[int]:
    for directory in _FD_DIRECTORIES:
        try:
            names = os.listdir(directory)
        except OSError:
            continue
        return sorted(int(name) for name in names if name.isdigit())
    return []


def enable_tcp_nodelay() -> list[str]:
    """Set ``TCP_NODELAY`` on each listening TCP socket of this process.

    Each descriptor is looked at through a duplicate, which is closed again: the
    server's own sockets stay open and unchanged apart from the option.

    Returns
    -------
    list[str]
        The addresses (``host:port``) of the sockets changed; empty where the process's
        descriptors cannot be listed.
    """
    changed: list[str] = []
    for descriptor in _open_descriptors():
        try:
            duplicate = os.dup(descriptor)
        except OSError:  # closed meanwhile (the listing's own descriptor)
            continue
        try:
            sock = socket.socket(fileno=duplicate)
        except OSError:  # not a socket
            os.close(duplicate)
            continue
        with sock:
            try:
                if (
                    sock.family not in (socket.AF_INET, socket.AF_INET6)
                    or sock.type != socket.SOCK_STREAM
                    or not sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)
                ):
                    continue
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                host, port = sock.getsockname()[:2]
            except OSError:
                continue
            changed.append(f"{host}:{port}")
    return changed
