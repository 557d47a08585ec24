"""Outbound rate limits per TikTok account and endpoint class, shared by every worker.

A token bucket per (connection, endpoint class) lives in Redis and is taken atomically by a
Lua script using Redis's own clock, so workers on different machines agree. When TikTok
answers 429 the bucket is paused for as long as it asked. Buckets are per account: one busy
account waiting on its limit never holds up another's sends.
"""

from functools import cache

import redis
from django.conf import settings

_TAKE = """
local pause = redis.call('PTTL', KEYS[2])
if pause > 0 then return pause end
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + (now - at) * rate / 1000)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) * 1000 / rate) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return wait
"""


@cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)


@cache
def _script() -> "redis.commands.core.Script":
    return _redis().register_script(_TAKE)


def _keys(connection_id: int, endpoint: str) -> list[str]:
    base = f"{settings.RATE_LIMIT_KEY_PREFIX}:{connection_id}:{endpoint}"
    return [base, base + ":paused"]


def acquire(*, connection_id: int, endpoint: str) -> float:
    """Take one call's worth from the bucket: 0 if it may go now, else seconds to wait."""
    rate, burst = settings.TIKTOK_RATE_LIMITS[endpoint]
    wait_ms = int(_script()(keys=_keys(connection_id, endpoint), args=[rate, burst]))
    return wait_ms / 1000


def pause(*, connection_id: int, endpoint: str, seconds: float) -> None:
    """TikTok said 429: nothing more on this bucket until ``seconds`` have passed."""
    _redis().set(_keys(connection_id, endpoint)[1], 1, px=max(1, int(seconds * 1000)))
