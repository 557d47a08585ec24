"""The HTTP layer every client shares."""

import functools
import logging
import re
import ssl
from typing import Any, Self

import httpx

from integrations.clients.errors import Transient

log = logging.getLogger("integrations.clients")

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
_SECRET_PARAMS = re.compile(
    r"(?i)((?:access_token|refresh_token|app_secret|client_secret|secret|auth_code|code|sign)=)[^&\s]+"
)


def redact(text: str) -> str:
    """Strip credentials from a URL or message before it is logged."""
    return _SECRET_PARAMS.sub(r"\1[redacted]", text)


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context per process. Building one loads the CA bundle (~20-40 ms of CPU here,
    bench/README.md), and a client is made for nearly every call to TikTok; the context is
    safe to share between clients and threads. It honours SSL_CERT_FILE / SSL_CERT_DIR as
    httpx's own default does."""
    return httpx.create_ssl_context(trust_env=True)


class BaseClient:
    """Holds one ``httpx.Client`` per base URL; subclasses add the platform's envelope."""

    def __init__(self, base_url: str, *, transport: httpx.BaseTransport | None = None) -> None:
        self.http = httpx.Client(
            base_url=base_url, timeout=TIMEOUT, transport=transport, verify=_tls()
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.TimeoutException as error:
            raise Transient(f"{method} {redact(path)} timed out") from error
        except httpx.HTTPError as error:
            raise Transient(f"{method} {redact(path)} failed: {type(error).__name__}") from error
        log.info("%s %s -> %s", method, redact(str(response.request.url)), response.status_code)
        if response.status_code >= 500:
            raise Transient(f"{method} {redact(path)} answered {response.status_code}")
        return response
