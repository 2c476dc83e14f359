"""Password hashing with Argon2id (memory-hard), via argon2-cffi's profiles.

Production uses RFC 9106's low-memory profile (64 MiB, 3 passes). The test suite selects the
cheapest profile through PASSWORD_HASH_PROFILE so that hundreds of accounts hash quickly; the
algorithm and the code path stay the same.
"""
from __future__ import annotations

import functools

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

PROFILES = {"rfc9106_low_memory": profiles.RFC_9106_LOW_MEMORY, "cheapest": profiles.CHEAPEST}


@functools.cache
def _hasher(profile: str) -> tuple[PasswordHasher, str]:
    hasher = PasswordHasher.from_parameters(PROFILES[profile])
    # Compared against when the username is unknown, so both paths take the same time.
    return hasher, hasher.hash("zhibu-dummy-password")


def _current() -> tuple[PasswordHasher, str]:
    return _hasher(current_app.config["PASSWORD_HASH_PROFILE"])


def hash_password(password: str) -> str:
    return _current()[0].hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    hasher, dummy = _current()
    try:
        return hasher.verify(password_hash or dummy, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _current()[0].check_needs_rehash(password_hash)
