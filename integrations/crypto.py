"""Tokens at rest: encrypted with MultiFernet under ``settings.TOKEN_ENCRYPTION_KEYS``.

The first key encrypts; every key decrypts. Rotating is: prepend a new key, deploy, run
``manage.py rotate_token_keys`` (re-encrypts every row under the newest key), then drop the
old key. Plaintext tokens exist only in memory, on the way to an API call.
"""

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class TokenDecryptionError(RuntimeError):
    """A stored token was encrypted under a key no longer configured."""


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("TOKEN_ENCRYPTION_KEYS is empty.")
    return MultiFernet([Fernet(key) for key in keys])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.TOKEN_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    if not plaintext:
        return ""
    return _current().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    if not ciphertext:
        return ""
    try:
        return _current().decrypt(ciphertext.encode()).decode()
    except InvalidToken as error:
        raise TokenDecryptionError("No configured key decrypts this token.") from error


def rotate(ciphertext: str) -> str:
    """The same secret, re-encrypted under the newest key."""
    if not ciphertext:
        return ""
    return _current().rotate(ciphertext.encode()).decode()
