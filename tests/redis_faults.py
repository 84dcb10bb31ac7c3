"""A real TCP proxy in front of the real Redis, which a test can break the ways production
Redis breaks: drop every connection (and refuse the next ones), or accept connections and never
answer (a hung server). No mock: redis-py and Django's cache see real sockets fail."""

from __future__ import annotations

import contextlib
import socket
import threading

FORWARD, CUT, HANG = "forward", "cut", "hang"


class FaultyRedis:
    def __init__(self, upstream: tuple[str, int] = ("127.0.0.1", 6379), mode: str = FORWARD):
        self.upstream = upstream
        self.mode = mode
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._closed = False
        self.accepted = 0  # connections redis-py opened through the proxy
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, db: int = 15) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def cut(self) -> None:
        """Redis drops the connection: every open one is closed, new ones are closed at once."""
        self.mode = CUT
        self._drop_all()

    def hang(self) -> None:
        """Redis hangs: connections are accepted, and nothing is ever answered."""
        self.mode = HANG
        self._drop_all()

    def heal(self) -> None:
        self.mode = FORWARD

    def close(self) -> None:
        self._closed = True
        self._listener.close()
        self._drop_all()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _address = self._listener.accept()
            except OSError:
                return
            self.accepted += 1
            if self.mode == CUT:
                client.close()
                continue
            self._track(client)
            if self.mode == HANG:
                continue  # held open, never read, never answered
            try:
                server = socket.create_connection(self.upstream, timeout=2)
            except OSError:
                self._shut(client)
                continue
            server.settimeout(None)
            self._track(server)
            for src, dst in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            self._shut(src)
            self._shut(dst)

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.add(sock)

    def _shut(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.discard(sock)
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)  # wakes a thread blocked in recv()
        sock.close()

    def _drop_all(self) -> None:
        with self._lock:
            sockets = list(self._open)
        for sock in sockets:
            self._shut(sock)
