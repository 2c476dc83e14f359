"""Passwords: the policy for a chosen password, and hashing with Argon2id (memory-hard).

Hashing uses RFC 9106's low-memory profile (64 MiB, 3 passes) via argon2-cffi. The test suite
selects the cheapest profile through PASSWORD_HASH_PROFILE so that hundreds of accounts hash
quickly; the algorithm and the code path stay the same.

The policy (NIST SP 800-63B): at least 8 characters, at most 128, and not easy to guess, as
zxcvbn judges it (common passwords, dictionary words, keyboard patterns, repeats, sequences,
dates, and the account's own name), score 3 of 4 or better. No composition rules.
"""
from __future__ import annotations

import functools

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_LENGTH, MAX_LENGTH = 8, 128
MIN_STRENGTH = 3  # zxcvbn's score: 3 = "safely unguessable: moderate protection from offline attack"
# Messages carry both languages: the API is read by people through the app and by integrators.
TOO_SHORT = f"密码至少需要{MIN_LENGTH}个字符。The password must have at least {MIN_LENGTH} characters."
TOO_LONG = f"密码不能超过{MAX_LENGTH}个字符。The password must have at most {MAX_LENGTH} characters."
TOO_WEAK = ("密码太容易被猜到（常见密码、连续或重复的字符、日期、用户名等）：请换一个更长、不常见的密码，"
            "例如几个不相关的词语连在一起。"
            "This password is too easy to guess (a common password, a sequence, a repeat, a date, the "
            "username...): choose a longer, less common one, such as a few unrelated words.")

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


def check_password_policy(password: str, user_inputs: list[str] = ()) -> list[str]:
    """What is wrong with a password someone chose ([] when it is acceptable)."""
    if len(password) < MIN_LENGTH:
        return [TOO_SHORT]
    if len(password) > MAX_LENGTH:
        return [TOO_LONG]
    from zxcvbn import zxcvbn

    if zxcvbn(password, user_inputs=[u for u in user_inputs if u])["score"] < MIN_STRENGTH:
        return [TOO_WEAK]
    return []


def needs_rehash(password_hash: str) -> bool:
    return _current()[0].check_needs_rehash(password_hash)
