"""An in-process SMTP server (aiosmtpd) for `make run` and the tests: real SMTP on loopback.

It keeps every accepted message in memory and, when given a folder, writes each one there as
an `.eml` file that a developer can open.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


class _Collector:
    def __init__(self, server: LocalSmtpServer) -> None:
        self._server = server

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self,
        _smtp: SMTP,
        _session: Session,
        envelope: Envelope,
        address: str,
        _options: list[str],
    ) -> str:
        if self._server.recipient_reply is not None:
            return self._server.recipient_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _smtp: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 (aiosmtpd's hook name)
        return self._server._accept(envelope, session.peer)


class LocalSmtpServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, folder: Path | None = None) -> None:
        self._controller = Controller(_Collector(self), hostname=host, port=port)
        self._folder = folder
        self._messages: list[EmailMessage] = []
        self.peers: list[object] = []
        """The client address of each accepted message: one per connection that sent it."""
        self._changed = threading.Condition()
        self.recipient_reply: str | None = None
        """What RCPT answers instead of accepting (e.g. `450 greylisted`, `550 no such user`)."""
        self.reply: str = "250 OK"
        """What DATA answers; a test sets e.g. `451 try later` to exercise retries."""
        self.before_accept: Callable[[], str | None] | None = None
        """Called before a message is accepted; a reply it returns (e.g. `451 ...`) is sent
        instead of accepting. A test blocks here to stall a sender mid-delivery."""

    @property
    def host(self) -> str:
        return str(self._controller.hostname)

    @property
    def port(self) -> int:
        return int(self._controller.port)

    def start(self) -> LocalSmtpServer:
        if self._controller.port == 0:
            self._controller.port = _free_port(self._controller.hostname)
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> LocalSmtpServer:
        return self.start()

    def __exit__(self, *_exc: Any) -> None:
        self.stop()

    def _accept(self, envelope: Envelope, peer: object) -> str:
        if self.before_accept is not None:
            override = self.before_accept()
            if override is not None:
                return override
        if not self.reply.startswith("250"):
            return self.reply
        raw = envelope.content if isinstance(envelope.content, bytes) else b""
        message = message_from_bytes(raw, _class=EmailMessage, policy=policy.default)
        with self._changed:
            self._messages.append(message)
            self.peers.append(peer)
            count = len(self._messages)
            self._changed.notify_all()
        if self._folder is not None:
            self._folder.mkdir(parents=True, exist_ok=True)
            (self._folder / f"{time.time_ns()}-{count}.eml").write_bytes(raw)
        return "250 OK"

    @property
    def messages(self) -> list[EmailMessage]:
        with self._changed:
            return list(self._messages)

    def messages_to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]

    def clear(self) -> None:
        with self._changed:
            self._messages.clear()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        """Block until at least `count` messages arrived (or the timeout passed)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self._messages) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._changed.wait(remaining)
            return list(self._messages)


def _free_port(host: str) -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])
