"""Access-token signing with RS256 keys from PEM files, and the public JWKS.

The first key signs; every key stays in the JWKS, so a new key can be put first for
rotation while tokens signed by the old one keep verifying until they expire.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from auth_service.application.ports import IssuedAccessToken
from auth_service.domain.model import Role
from taskhive_shared.ids import uuid7
from taskhive_shared.security.tokens import ACCESS_TOKEN_TYPE

ALGORITHM = "RS256"


def generate_private_key_pem(bits: int = 2048) -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _thumbprint(public_jwk: dict[str, Any]) -> str:
    """RFC 7638 JWK thumbprint: a stable `kid` derived from the key itself."""
    canonical = json.dumps(
        {k: public_jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"), sort_keys=True
    )
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass(frozen=True, slots=True)
class SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey
    public_jwk: dict[str, Any]

    @classmethod
    def from_pem(cls, pem: bytes) -> SigningKey:
        private_key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(private_key, rsa.RSAPrivateKey) or private_key.key_size < 2048:
            raise ValueError("signing keys must be RSA keys of at least 2048 bits")
        public_jwk = RSAAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
        kid = _thumbprint(public_jwk)
        public_jwk.update({"kid": kid, "use": "sig", "alg": ALGORITHM})
        return cls(kid=kid, private_key=private_key, public_jwk=public_jwk)


class KeySet:
    def __init__(self, keys: Sequence[SigningKey]) -> None:
        if not keys:
            raise ValueError("at least one signing key is required")
        self.active = keys[0]
        self._keys = tuple(keys)

    @classmethod
    def from_files(cls, paths: Sequence[Path]) -> KeySet:
        return cls([SigningKey.from_pem(path.read_bytes()) for path in paths])

    def jwks(self) -> dict[str, Any]:
        return {"keys": [dict(key.public_jwk) for key in self._keys]}


class JwtAccessTokenIssuer:
    def __init__(self, keys: KeySet, *, issuer: str, audience: str, ttl_seconds: int) -> None:
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._ttl = ttl_seconds

    def issue(self, user_id: uuid.UUID, role: Role, session_id: uuid.UUID) -> IssuedAccessToken:
        now = int(time.time())
        jti = str(uuid7())
        claims = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": str(user_id),
            "iat": now,
            "nbf": now,
            "exp": now + self._ttl,
            "jti": jti,
            "role": role.value,
            "sid": str(session_id),
        }
        active = self._keys.active
        token = jwt.encode(
            claims,
            active.private_key,
            algorithm=ALGORITHM,
            headers={"kid": active.kid, "typ": ACCESS_TOKEN_TYPE},
        )
        return IssuedAccessToken(
            token=token, jti=jti, expires_at=now + self._ttl, expires_in=self._ttl
        )
