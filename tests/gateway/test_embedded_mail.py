"""`make run`'s in-process SMTP server: on the configured port, or another when it is taken."""

from __future__ import annotations

from pathlib import Path

from taskhive_gateway.embedded import EmbeddedConfig, start_mail_server
from taskhive_shared.mail.local_server import LocalSmtpServer


def _config(tmp_path: Path, port: int) -> EmbeddedConfig:
    return EmbeddedConfig(tmp_path, "127.0.0.1", 8080, None, "taskhive", False, port)


def test_a_taken_smtp_port_moves_the_mail_server_instead_of_failing(tmp_path: Path) -> None:
    with LocalSmtpServer() as taken:
        moved = start_mail_server(_config(tmp_path, taken.port))
        try:
            assert moved.port != taken.port
        finally:
            moved.stop()
