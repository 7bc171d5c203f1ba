"""Sealing the most sensitive things patients tell us (intake answers) so that a copy of the
database alone, a stolen backup say, reveals none of them.

Fernet from pyca/cryptography (AES-128-CBC with an HMAC-SHA256, a random IV per message): a
sealed value can be neither read nor changed without a key. The keys live outside the
database, in INTAKE_KEYS or the file INTAKE_KEYS_FILE (settings), newest first: the first
seals, every one of them opens (MultiFernet), so a key is rotated by putting a new one first,
running `manage.py rotate_intake_key` (which seals every stored value again with it), then
dropping the old one. Losing every key loses the answers: back the keys up apart from the
database (README, "Intake answers and their keys").
"""

import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

NO_KEYS = (
    "No key to seal intake answers with: set INTAKE_KEYS (or INTAKE_KEYS_FILE) to one or more Fernet keys, newest first. "
    "`manage.py rotate_intake_key --new-key` prints a new key."
)


class CannotOpen(Exception):
    """A sealed value none of the configured keys opens (a key dropped too soon, or another practice's backup)."""


def new_key() -> str:
    return Fernet.generate_key().decode()


def _keys() -> MultiFernet:
    keys = settings.INTAKE_KEYS
    if not keys:
        raise ImproperlyConfigured(NO_KEYS)
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError:
        raise ImproperlyConfigured(
            "INTAKE_KEYS holds a value that is not a Fernet key (32 bytes, url-safe base64, 44 characters)."
        ) from None


def is_configured() -> bool:
    return bool(settings.INTAKE_KEYS)


def seal(data) -> str:
    """`data` (anything JSON can hold) as sealed text, with the newest key."""
    return _keys().encrypt(json.dumps(data, separators=(",", ":"), sort_keys=True).encode()).decode()


def unseal(token: str):
    """What `seal` sealed. Raises CannotOpen when no configured key opens it (none configured
    included: a page that reads answers says they cannot be opened, it does not fail)."""
    if not is_configured():
        raise CannotOpen("No key is configured.")
    try:
        return json.loads(_keys().decrypt(token.encode()))
    except InvalidToken:
        raise CannotOpen("No configured key opens this value.") from None


def sealed_with_newest(token: str) -> bool:
    """Whether the first (newest) key opens `token`: nothing for a key rotation to do."""
    try:
        Fernet(_newest_key()).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def _newest_key() -> str:
    _keys()  # the same errors as every other use when the keys are missing or bad
    return settings.INTAKE_KEYS[0]


def reseal(token: str) -> str:
    """The same value sealed with the newest key (key rotation); raises CannotOpen as `unseal`."""
    try:
        return _keys().rotate(token.encode()).decode()
    except InvalidToken:
        raise CannotOpen("No configured key opens this value.") from None
