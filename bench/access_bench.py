"""API keys vs JWTs per request, and the gateway's cost of `jwt_verify` (issue 17, ADR 0024).

`python -m bench.access_bench [--count N]` (~30 s). In-process rows time the shared verifier
every service calls (`AccessTokenVerifier.verify`) with the real Redis store; the gateway row
runs HAProxy twice with the same minimal frontend, with and without the per-caller rules, and
divides HAProxy's own CPU time (from /proc) by the requests sent: the client's speed and the
machine's load drop out. Prints Markdown rows for docs/performance.md; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import requests

from bench.auth_bench import UNUSED_DB, percentile, time_calls
from tests.gateway.conftest import free_port, wait_for

REDIS_URL = os.environ.get("TASKHIVE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def bench_verifier(rows: list[str], count: int) -> None:
    from auth_service.bootstrap import build_access_token_issuer, ephemeral_keys, sign_access_token
    from auth_service.config import AuthSettings
    from taskhive_shared.security.api_keys import ApiKeyRecord, lookup_digest
    from taskhive_shared.security.denylist import RedisTokenDenylist
    from taskhive_shared.security.tokens import AccessTokenVerifier, LocalKeyResolver

    keys = ephemeral_keys()
    settings = AuthSettings(database_url=UNUSED_DB)
    token = sign_access_token(build_access_token_issuer(settings, keys), uuid.uuid4()).token
    denylist = RedisTokenDenylist.from_url(REDIS_URL, prefix=f"bench:{uuid.uuid4().hex}:")
    key = "th_" + uuid.uuid4().hex + uuid.uuid4().hex
    record = ApiKeyRecord(
        "k", str(uuid.uuid4()), "member", frozenset({"tasks:read"}), int(time.time()) + 3600
    )
    denylist.api_keys.publish(lookup_digest(key), record)

    def verifier(cache_seconds: float) -> AccessTokenVerifier:
        return AccessTokenVerifier(
            LocalKeyResolver(keys.jwks),
            denylist,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            api_key_cache_seconds=cache_seconds,
        )

    cached, uncached = verifier(2.0), verifier(0.0)
    for name, call in (
        ("JWT (RS256 + Redis denylist)", lambda: cached.verify(token)),
        ("API key, cache hit (HMAC + dict)", lambda: cached.verify(key)),
        ("API key, cache miss (HMAC + Redis GET)", lambda: uncached.verify(key)),
    ):
        call()
        samples = time_calls(call, count)
        rows.append(
            f"| {name} | {count} | {percentile(samples, 0.5):.3f} | "
            f"{percentile(samples, 0.99):.3f} | — |"
        )
    denylist.api_keys.withdraw([lookup_digest(key)])


_MINIMAL = """
global
    presetenv GATEWAY_JWT_PUBLIC_KEY {key}
defaults
    mode http
    timeout client 10s
    timeout server 10s
    timeout connect 5s
frontend f
    bind 127.0.0.1:{port}
{rules}
    http-request return status 200 content-type text/plain string ok
"""
# The per-caller rules of gateway/haproxy.cfg that cost anything (one per line, joined).
_RULES = "\n".join(
    "    " + line
    for line in (
        "http-request set-var(txn.bearer) http_auth_bearer",
        "acl jwt_rs256 var(txn.bearer),jwt_header_query('$.alg') -m str RS256",
        'acl jwt_signed var(txn.bearer),jwt_verify("RS256","${GATEWAY_JWT_PUBLIC_KEY}") -m int 1',
        "acl jwt_issuer var(txn.bearer),jwt_payload_query('$.iss') -m str taskhive-auth",
        "http-request set-var(txn.now) date",
        "http-request set-var(txn.jwt_ttl) var(txn.bearer),jwt_payload_query('$.exp','int'),"
        "sub(txn.now) if jwt_rs256 jwt_signed jwt_issuer",
        "http-request set-var(txn.sub) var(txn.bearer),jwt_payload_query('$.sub') "
        "if { var(txn.jwt_ttl) -m int gt 0 }",
        "http-request track-sc2 var(txn.sub) table st if { var(txn.sub) -m found }",
    )
)
_TABLE = """
backend st
    stick-table type string len 64 size 1m expire 60s store http_req_rate(60s)
"""


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_gateway(rows: list[str], count: int) -> None:
    from cryptography.hazmat.primitives import serialization

    from auth_service.bootstrap import build_access_token_issuer, ephemeral_keys, sign_access_token
    from auth_service.config import AuthSettings

    keys = ephemeral_keys()
    token = sign_access_token(
        build_access_token_issuer(AuthSettings(database_url=UNUSED_DB), keys), uuid.uuid4()
    ).token
    with tempfile.TemporaryDirectory() as tmp:
        public = Path(tmp) / "jwt.pem"
        public.write_bytes(
            keys.active.private_key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        per_request: dict[str, float] = {}
        for label, rules in (("without", ""), ("with", _RULES)):
            port = free_port()
            config = Path(tmp) / f"{label}.cfg"
            config.write_text(_MINIMAL.format(key=public, port=port, rules=rules) + _TABLE)
            process = subprocess.Popen(
                ["haproxy", "-db", "-f", str(config)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                url = f"http://127.0.0.1:{port}/"
                wait_for(url)
                session = requests.Session()
                headers = {"Authorization": f"Bearer {token}"}
                before = _cpu_seconds(process.pid)
                for _ in range(count):
                    session.get(url, headers=headers, timeout=10)
                per_request[label] = (_cpu_seconds(process.pid) - before) / count * 1000
            finally:
                process.terminate()
                process.wait(timeout=10)
    added = per_request["with"] - per_request["without"]
    rows.append(
        f"| HAProxy CPU per request: {per_request['without']:.3f} ms bare, "
        f"{per_request['with']:.3f} ms with jwt_verify + sub table | {count} | "
        f"{added:.3f} (added) | — | — |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=5000)
    args = parser.parse_args()
    rows = ["| measurement | n | p50 ms | p99 ms | req/s |", "|---|---|---|---|---|"]
    bench_verifier(rows, args.count)
    bench_gateway(rows, args.count)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
