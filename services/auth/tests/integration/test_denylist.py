"""The access-token denylist on real Redis."""

from __future__ import annotations

import time
import uuid

import redis

from taskhive_shared.security.denylist import RedisTokenDenylist


def test_denied_jti_is_seen_and_expires_with_the_token(redis_url):
    prefix = f"test:{uuid.uuid4().hex}:"
    denylist = RedisTokenDenylist.from_url(redis_url, prefix=prefix)
    jti = uuid.uuid4().hex
    assert not denylist.is_denied(jti)

    denylist.deny(jti, int(time.time()) + 120)

    assert denylist.is_denied(jti)
    ttl = redis.Redis.from_url(redis_url).ttl(prefix + jti)
    assert 100 < ttl <= 120


def test_a_second_client_sees_the_denial(redis_url):
    """Every service has its own client; the denial must be visible across them."""
    prefix = f"test:{uuid.uuid4().hex}:"
    jti = uuid.uuid4().hex
    RedisTokenDenylist.from_url(redis_url, prefix=prefix).deny(jti, int(time.time()) + 60)
    assert RedisTokenDenylist.from_url(redis_url, prefix=prefix).is_denied(jti)


def test_already_expired_token_is_kept_only_briefly(redis_url):
    prefix = f"test:{uuid.uuid4().hex}:"
    denylist = RedisTokenDenylist.from_url(redis_url, prefix=prefix)
    jti = uuid.uuid4().hex
    denylist.deny(jti, int(time.time()) - 10)
    assert redis.Redis.from_url(redis_url).ttl(prefix + jti) <= 1


def test_a_denied_session_refuses_its_tokens_in_one_round_trip(redis_url):
    prefix = f"test:{uuid.uuid4().hex}:"
    client = redis.Redis.from_url(redis_url)
    denylist = RedisTokenDenylist(client, prefix=prefix)
    session, other = str(uuid.uuid4()), str(uuid.uuid4())
    denylist.deny_sessions([session], int(time.time()) + 900)

    commands: list[tuple[object, ...]] = []
    execute = client.execute_command

    def counting(*args, **options):
        commands.append(args)
        return execute(*args, **options)

    client.execute_command = counting  # type: ignore[method-assign]
    assert denylist.is_denied(uuid.uuid4().hex, session)
    assert not denylist.is_denied(uuid.uuid4().hex, other)
    assert [command[0] for command in commands] == ["EXISTS", "EXISTS"]
    assert 880 < client.ttl(f"{prefix}sid:{session}") <= 900
