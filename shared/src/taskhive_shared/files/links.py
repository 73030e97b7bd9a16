"""Short-lived signed download links: HMAC-SHA256 over the file key and the expiry time.

A link carries `key`, `expires` (Unix seconds) and `signature`; whoever holds it may download
that one file until it expires (10 minutes by default), with no token, so a browser can follow
it. The key is never chosen by the client: a forged key fails the signature.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from taskhive_shared.files.port import InvalidKey, checked_key

DEFAULT_LINK_TTL = timedelta(minutes=10)
MIN_SECRET_BYTES = 32


class LinkInvalid(Exception):
    """A link whose signature does not match, or which is malformed."""


class LinkExpired(Exception):
    """A genuine link past its expiry."""


@dataclass(frozen=True, slots=True)
class SignedLink:
    key: str
    expires: int
    signature: str

    def query(self) -> str:
        return urlencode({"key": self.key, "expires": self.expires, "signature": self.signature})

    def url(self, base: str) -> str:
        return f"{base}?{self.query()}"


class LinkSigner:
    def __init__(
        self,
        secret: bytes,
        *,
        ttl: timedelta = DEFAULT_LINK_TTL,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if len(secret) < MIN_SECRET_BYTES:
            raise ValueError(f"a link secret has at least {MIN_SECRET_BYTES} bytes")
        self._secret = secret
        self._ttl = ttl
        self._clock = clock

    def _mac(self, key: str, expires: int) -> str:
        mac = hmac.new(self._secret, f"{key}\n{expires}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    def sign(self, key: str, *, until: datetime | None = None) -> SignedLink:
        """A link valid for the signer's TTL, or until `until` (e.g. the file's own expiry,
        for a link sent by e-mail)."""
        expires = int((until or self._clock() + self._ttl).timestamp())
        return SignedLink(checked_key(key), expires, self._mac(key, expires))

    def verify(self, key: str, expires: str, signature: str) -> str:
        """The key if the link is genuine and current; `LinkInvalid` or `LinkExpired`."""
        try:
            checked_key(key)
        except InvalidKey as exc:
            raise LinkInvalid("bad key") from exc
        if not expires.isascii() or not expires.isdigit() or len(expires) > 12:
            raise LinkInvalid("bad expiry")
        expected = self._mac(key, int(expires))
        # Constant time: the comparison leaks nothing about how much of a forgery was right.
        if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
            raise LinkInvalid("bad signature")
        if int(expires) <= self._clock().timestamp():
            raise LinkExpired(key)
        return key
