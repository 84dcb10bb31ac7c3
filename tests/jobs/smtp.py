"""A real SMTP server on 127.0.0.1 for the tests, in a thread, that can be down (connection
refused), up, slow, or hung (accepts the connection and never answers)."""

from __future__ import annotations

import email
import email.policy
import socketserver
import threading
import time
from email.message import EmailMessage


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        fake = self.server.fake
        if fake.mode == "hang":
            fake.released.wait(60)
            return
        self._reply("220 fake.test ESMTP")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode("ascii", "replace").strip().upper()
            if command == "DATA":
                self._reply("354 go ahead")
                data = bytearray()
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                time.sleep(fake.delay)
                fake.received(bytes(data))
                self._reply("250 queued")
            elif command.startswith("QUIT"):
                self._reply("221 bye")
                return
            else:  # EHLO, MAIL FROM, RCPT TO, RSET, NOOP
                self._reply("250 ok")

    def _reply(self, text: str) -> None:
        self.wfile.write(text.encode("ascii") + b"\r\n")


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    fake: FakeSMTP


class FakeSMTP:
    def __init__(self) -> None:
        self.mode = "up"
        self.delay = 0.0
        self.port = 0
        self.messages: list[EmailMessage] = []
        self.released = threading.Event()
        self._lock = threading.Lock()
        self._server: _Server | None = None

    def received(self, data: bytes) -> None:
        message = email.message_from_bytes(data, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)  # type: ignore[arg-type]

    @property
    def subjects(self) -> list[str]:
        return [str(m["Subject"]).strip() for m in self.messages]

    def up(self) -> None:
        self.mode = "up"
        if self._server is None:
            self._server = _Server(("127.0.0.1", self.port), _Handler)
            self._server.fake = self
            self.port = self._server.server_address[1]
            threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def down(self) -> None:
        """Nobody listens: connection refused."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def hang(self) -> None:
        self.up()
        self.mode = "hang"

    def close(self) -> None:
        self.released.set()
        self.down()
