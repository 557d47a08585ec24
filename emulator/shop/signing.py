"""TikTok Shop's two signatures (wire notes 1.3 and 2.2), on raw bytes."""

import hashlib
import hmac
from collections.abc import Iterable

EXCLUDED_PARAMS = frozenset({"sign", "access_token"})


def sign_request(
    *,
    app_secret: str,
    path: str,
    params: Iterable[tuple[str, str]],
    body: bytes = b"",
    multipart: bool = False,
) -> str:
    """``hex(HMAC_SHA256(secret, secret + path + sorted {key}{value} + body + secret))``.

    ``params`` are the query parameters as received. ``sign`` and ``access_token`` are left
    out; a key given more than once (an array) is left out too, as EcomPHP does, since the
    documented algorithm has no rule for it. The body is the raw bytes as sent, and is left
    out for multipart/form-data."""
    values: dict[str, list[str]] = {}
    for key, value in params:
        if key not in EXCLUDED_PARAMS:
            values.setdefault(key, []).append(value)
    joined = "".join(f"{key}{vals[0]}" for key, vals in sorted(values.items()) if len(vals) == 1)
    secret = app_secret.encode()
    message = secret + path.encode() + joined.encode()
    if not multipart:
        message += body
    message += secret
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def sign_webhook(*, app_key: str, app_secret: str, body: bytes) -> str:
    """The ``Authorization`` header of a Shop webhook: ``hex(HMAC_SHA256(secret, key + body))``
    (two SDKs agree; no official text, wire notes 2.2)."""
    return hmac.new(app_secret.encode(), app_key.encode() + body, hashlib.sha256).hexdigest()


def signatures_match(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.strip().lower().encode())
