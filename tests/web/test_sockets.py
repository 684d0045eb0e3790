"""TCP_NODELAY on the process's listening sockets (board.web.sockets)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from board.web.sockets import enable_tcp_nodelay


def _nodelay(sock: socket.socket) -> bool:
    return bool(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    # Made the way Streamlit's server makes its own: no protocol number given.
    sock = socket.socket(socket.AF_INET)
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    yield sock
    sock.close()


def test_a_listening_socket_and_what_it_accepts_send_small_writes_at_once(
    listener: socket.socket,
) -> None:
    with socket.create_connection(listener.getsockname()):
        before, _ = listener.accept()
        with before:
            assert not _nodelay(before)  # what the connections had before the fix

    host, port = listener.getsockname()
    assert f"{host}:{port}" in enable_tcp_nodelay()

    assert _nodelay(listener)
    with socket.create_connection(listener.getsockname()) as client:
        accepted, _ = listener.accept()
        with accepted:
            assert _nodelay(accepted)
            client.sendall(b"ping")
            # the listener, looked at through a duplicate, still accepts and works
            assert accepted.recv(4) == b"ping"


def test_connections_and_other_sockets_are_left_alone(listener: socket.socket) -> None:
    with (
        socket.create_connection(listener.getsockname()) as client,
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as datagram,
    ):
        accepted, _ = listener.accept()
        with accepted:
            changed = enable_tcp_nodelay()
            client_address = "{}:{}".format(*client.getsockname())
            assert client_address not in changed
            assert not _nodelay(client)
            assert not _nodelay(accepted)  # accepted before: keeps what it had
            # still open (a closed descriptor raises EBADF here)
            assert datagram.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE) == socket.SOCK_DGRAM
