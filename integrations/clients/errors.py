"""What a call to TikTok can end in. Callers branch on the class, never on codes."""


class PlatformError(Exception):
    """Any failure talking to TikTok or TikTok Shop."""

    def __init__(self, message: str, *, code: int | str | None = None) -> None:
        super().__init__(message)
        self.code = code


class Transient(PlatformError):
    """Network trouble, a timeout or a 5xx: retry with backoff."""


class RateLimited(Transient):
    """Throttled (HTTP 429, Business code 40100, Shop 36009002): wait, then retry."""

    def __init__(self, message: str, *, code: int | str | None = None, retry_after: float) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after


class TokenExpired(PlatformError):
    """The access token ran out: refresh it (once) and try again."""


class TokenInvalid(PlatformError):
    """The grant is gone (revoked, deauthorized, refresh token used or expired): an owner
    must reconnect."""


class ScopeMissing(PlatformError):
    """The user did not grant the scope this call needs."""


class Rejected(PlatformError):
    """TikTok refused the request itself (a rule, a bad parameter): do not retry; show the
    message to the user."""
