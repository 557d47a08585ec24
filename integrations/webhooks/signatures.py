"""The two platforms' webhook signatures, checked in constant time on the raw body bytes."""

import hashlib
import hmac


def tiktok_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """``TikTok-Signature: t=<ts>,s=<this>``: HMAC-SHA256(secret, t + "." + raw body)."""
    message = timestamp.encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify_tiktok(*, header: str, body: bytes, secret: str, now: float, tolerance: int) -> bool:
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    timestamp, signature = parts.get("t", ""), parts.get("s", "")
    if not timestamp.isdigit() or not signature or not secret:
        return False
    # Refuse stale or far-future timestamps: a captured delivery cannot be replayed later.
    if abs(now - int(timestamp)) > tolerance:
        return False
    expected = tiktok_signature(secret=secret, timestamp=timestamp, body=body)
    return hmac.compare_digest(expected, signature.strip().lower())


def shop_signature(*, app_key: str, app_secret: str, body: bytes) -> str:
    """TikTok Shop's ``Authorization`` header: HMAC-SHA256(app_secret, app_key + raw body).
    It carries no timestamp, so replays are stopped by deduplication on the notification id."""
    return hmac.new(app_secret.encode(), app_key.encode() + body, hashlib.sha256).hexdigest()


def verify_shop(*, header: str, body: bytes, app_key: str, app_secret: str) -> bool:
    if not header or not app_secret:
        return False
    expected = shop_signature(app_key=app_key, app_secret=app_secret, body=body)
    return hmac.compare_digest(expected, header.strip().lower())
