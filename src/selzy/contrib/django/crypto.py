"""The API key at rest: encrypted with Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``).

Keys come from ``SELZY["ENCRYPTION_KEY"]`` (one key or a list for rotation: the first encrypts,
every one decrypts). Without it a key is derived from SECRET_KEY with HKDF, so a fresh install
works, but rotating SECRET_KEY then makes the stored API key unreadable (check selzy.W001).
"""

from __future__ import annotations

import base64
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.views.decorators.debug import sensitive_variables

from .conf import selzy_settings


class UnreadableSecretError(Exception):
    """A stored secret cannot be decrypted with the configured keys (they changed)."""


# Every function here holds a secret (the API key, SECRET_KEY, the encryption keys): Django's
# error reports hide their variables (see redaction.py).


@sensitive_variables()
def derived_key(secret_key: str) -> str:
    """A Fernet key derived from SECRET_KEY (used when no ENCRYPTION_KEY is set)."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"selzy.contrib.django", info=b"api-key")
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode())).decode()


@cache
@sensitive_variables()
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    chosen = keys or (derived_key(secret_key),)
    try:
        return MultiFernet([Fernet(k.encode()) for k in chosen])
    except ValueError as exc:
        raise ImproperlyConfigured(
            'SELZY["ENCRYPTION_KEY"] must be a Fernet key: 32 url-safe base64 bytes, from '
            "cryptography.fernet.Fernet.generate_key()"
        ) from exc


@sensitive_variables()
def fernet() -> MultiFernet:
    return _fernet(selzy_settings().encryption_keys, str(settings.SECRET_KEY))


@sensitive_variables()
def encrypt(plain: str) -> str:
    """The text encrypted for storage."""
    return fernet().encrypt(plain.encode()).decode()


@sensitive_variables()
def decrypt(token: str) -> str:
    """The stored text decrypted; UnreadableSecretError when the keys no longer fit."""
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise UnreadableSecretError(
            "The stored Selzy API key cannot be decrypted with the current encryption key "
            '(SELZY["ENCRYPTION_KEY"] or SECRET_KEY changed). Connect the account again.'
        ) from None
