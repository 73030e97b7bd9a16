"""Outbound HTTP of deliveries: DNS resolution, and a connection pinned to the address that
was checked (TLS SNI and Host keep the name), no redirects, timeouts, a response cap."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time

from hooks_service.application.ports import HttpResult
from hooks_service.domain.addresses import IPAddress, Target


class SystemResolver:
    def resolve(self, host: str, port: int) -> list[IPAddress]:
        try:
            return [ipaddress.ip_address(host)]
        except ValueError:
            pass
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        return list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, address: IPAddress, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = str(address)

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(
        self, target: Target, address: IPAddress, timeout: float, context: ssl.SSLContext
    ) -> None:
        super().__init__(target.host, target.port, timeout=timeout, context=context)
        self._address = str(address)
        self._context = context

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class PinnedHttpSender:
    def __init__(
        self, connect_timeout: float, read_timeout: float, response_max_bytes: int
    ) -> None:
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._max = response_max_bytes
        self._context = ssl.create_default_context()

    def send(
        self, target: Target, address: IPAddress, headers: dict[str, str], body: bytes
    ) -> HttpResult:
        started = time.perf_counter()
        connection: http.client.HTTPConnection = (
            _PinnedHTTPSConnection(target, address, self._connect_timeout, self._context)
            if target.scheme == "https"
            else _PinnedHTTPConnection(target, address, self._connect_timeout)
        )
        try:
            connection.connect()
            if connection.sock is not None:
                connection.sock.settimeout(self._read_timeout)
            connection.request("POST", target.path, body=body, headers=headers)
            response = connection.getresponse()
            # 3xx are answers like any other: a redirect is never followed.
            content = response.read(self._max)
            return HttpResult(
                response.status,
                content.decode("utf-8", "replace"),
                _elapsed(started),
                None if 200 <= response.status < 300 else f"HTTP {response.status}",
            )
        except (OSError, http.client.HTTPException) as exc:
            return HttpResult(None, "", _elapsed(started), f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()


def _elapsed(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
