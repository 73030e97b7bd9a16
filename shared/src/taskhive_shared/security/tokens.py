"""Verification of Taskhive access tokens by any service (DESIGN §5).

Algorithm pinned, `typ` must be `at+jwt`, `iss`/`aud`/`exp`/`sub`/`jti` required, the key
found by `kid` in auth's JWKS (fetched over HTTP and cached; an unknown `kid` triggers
one refetch), and the `jti` and the session (`sid`) checked against the shared denylist in
one look-up: a revoked session's access tokens stop working at once, not when they expire.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import jwt
from jwt import PyJWK, PyJWKClient, PyJWKClientError

from taskhive_shared.security.api_keys import (
    API_KEY_PREFIX,
    ApiKeyDirectory,
    ApiKeyVerifier,
    InvalidApiKey,
)
from taskhive_shared.security.denylist import TokenDenylist, api_key_directory_of

ACCESS_TOKEN_TYPE = "at+jwt"
PINNED_ALGORITHMS = ("RS256",)
REQUIRED_CLAIMS = ["iss", "aud", "exp", "iat", "sub", "jti"]


class InvalidAccessToken(Exception):
    """The token must be refused with 401; the message says why (safe to show)."""


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: str
    role: str
    jti: str
    expires_at: int
    session_id: str | None = None
    scopes: frozenset[str] | None = None
    """Set for an API key only: what it may do (`<service>:read|write`); None = the role's all."""
    api_key_id: str | None = None

    @property
    def is_api_key(self) -> bool:
        return self.api_key_id is not None


class SigningKeyResolver(Protocol):
    def key_for(self, kid: str) -> Any:
        """Return the verification key for `kid` or raise InvalidAccessToken."""


class JwksKeyResolver:
    """Keys from auth's JWKS endpoint, cached; PyJWKClient refetches once on an unknown kid."""

    def __init__(self, jwks_url: str, cache_seconds: int = 300, timeout: float = 3.0) -> None:
        # No cooldown: a key rotated in by auth must verify at once ("refetch once" on a miss).
        # The gateway's per-IP limits bound how often made-up kids can trigger a fetch.
        self._client = PyJWKClient(
            jwks_url,
            cache_keys=True,
            lifespan=cache_seconds,
            timeout=timeout,
            cooldown_duration=0,
        )

    def key_for(self, kid: str) -> Any:
        try:
            return self._client.get_signing_key(kid).key
        except PyJWKClientError as exc:
            raise InvalidAccessToken("unknown signing key") from exc


class RefuseAllKeys:
    """Key resolver of processes that serve no HTTP (CLI, relay, consumer): every token fails."""

    def key_for(self, kid: str) -> Any:
        raise InvalidAccessToken("this process verifies no tokens")


class LocalKeyResolver:
    """Keys from a JWKS document in this process (auth itself, the embedded mode)."""

    def __init__(self, jwks: Callable[[], dict[str, Any]]) -> None:
        self._jwks = jwks
        self._cache: dict[str, Any] = {}
        self._lock = threading.Lock()

    def key_for(self, kid: str) -> Any:
        with self._lock:
            if kid not in self._cache:
                for entry in self._jwks().get("keys", []):
                    self._cache[entry["kid"]] = PyJWK(entry).key
            if kid not in self._cache:
                raise InvalidAccessToken("unknown signing key")
            return self._cache[kid]


class AccessTokenVerifier:
    def __init__(
        self,
        keys: SigningKeyResolver,
        denylist: TokenDenylist,
        *,
        issuer: str,
        audience: str,
        leeway_seconds: int = 5,
        api_keys: ApiKeyDirectory | None = None,
        api_key_cache_seconds: float = 2.0,
    ) -> None:
        self._keys = keys
        # Every service accepts API keys through the store its denylist lives in (ADR 0024).
        self._api_keys = ApiKeyVerifier(
            api_keys if api_keys is not None else api_key_directory_of(denylist),
            cache_seconds=api_key_cache_seconds,
        )
        self._denylist = denylist
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway_seconds

    def verify(self, token: str) -> Principal:
        if token.startswith(API_KEY_PREFIX):
            return self._verify_api_key(token)
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidAccessToken("malformed token") from exc
        if header.get("alg") not in PINNED_ALGORITHMS:
            raise InvalidAccessToken("unexpected signing algorithm")
        if header.get("typ") != ACCESS_TOKEN_TYPE:
            raise InvalidAccessToken("not an access token")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidAccessToken("missing key id")
        key = self._keys.key_for(kid)
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=list(PINNED_ALGORITHMS),
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidAccessToken("token expired") from exc
        except jwt.PyJWTError as exc:
            raise InvalidAccessToken("invalid token") from exc
        jti = str(claims["jti"])
        session_id = str(claims["sid"]) if claims.get("sid") else None
        if self._denylist.is_denied(jti, session_id):
            raise InvalidAccessToken("token revoked")
        return Principal(
            user_id=str(claims["sub"]),
            role=str(claims.get("role", "member")),
            jti=jti,
            expires_at=int(claims["exp"]),
            session_id=session_id,
        )

    def _verify_api_key(self, key: str) -> Principal:
        try:
            record = self._api_keys.verify(key)
        except InvalidApiKey as exc:
            raise InvalidAccessToken(str(exc)) from exc
        return Principal(
            user_id=record.user_id,
            role=record.role,
            jti=f"key:{record.key_id}",
            expires_at=record.expires_at,
            scopes=record.scopes,
            api_key_id=record.key_id,
        )
