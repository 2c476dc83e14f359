"""Blind RSA signatures (RSA-FDH, Chaum) for the anonymous assessment forms. Pure Python.

A member's phone makes a random token `t`, hashes it to a number `m = fdh(t)` below the
evaluation's modulus `n`, blinds it with a random `r` (`m * r^e mod n`) and sends only the blinded
number, logged in. The server signs it (`blinded^d mod n`) once per member on the voter roll; the
phone divides `r` out and holds `s = m^d mod n`, a signature on `t` that the server never saw. The
ballot goes in with `t` and `s` and no login: the server checks `s^e == fdh(t)` and that `t` was
not used. Because `r` is uniform, the blinded number the server signed says nothing about `t`, so
no record of the signing (not the roll, not a database log, not a dead row version) leads to the
ballot. pwa/src/sync/ballot.js does the phone's half; sync/vectors/ballot_blind.json pins both.
"""
from __future__ import annotations

import base64
import dataclasses
import hashlib
import math
import secrets

DOMAIN = b"zhibu-ballot-fdh-v1"
KEY_BITS = 2048
TOKEN_BYTES = 32


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict: URL-safe alphabet without padding, and canonical (re-encodes to the same text)."""
    if not isinstance(text, str) or not text or len(text) > 1024 or "=" in text:
        raise ValueError("not base64url")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise ValueError("not base64url") from exc
    if b64url(raw) != text:
        raise ValueError("not canonical base64url")
    return raw


def int_to_b64(value: int, length: int) -> str:
    return b64url(value.to_bytes(length, "big"))


def b64_to_int(text: str, length: int) -> int:
    raw = b64url_decode(text)
    if len(raw) != length:
        raise ValueError("wrong length")
    return int.from_bytes(raw, "big")


@dataclasses.dataclass(frozen=True)
class PublicKey:
    n: int
    e: int

    @property
    def size(self) -> int:
        """The modulus' length in bytes: every number on the wire has exactly this length."""
        return (self.n.bit_length() + 7) // 8


def fdh(token: bytes, key: PublicKey) -> int:
    """The full-domain hash of a token: SHA-256 in counter mode over the modulus' length, mod n."""
    out = b""
    counter = 0
    while len(out) < key.size:
        out += hashlib.sha256(DOMAIN + counter.to_bytes(4, "big") + token).digest()
        counter += 1
    return int.from_bytes(out[:key.size], "big") % key.n


def generate_key(bits: int = KEY_BITS) -> tuple[PublicKey, int]:
    """A fresh key pair for one evaluation's ballot: (public key, private exponent d)."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    private = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    numbers = private.private_numbers()
    return PublicKey(numbers.public_numbers.n, numbers.public_numbers.e), numbers.d


def sign_blinded(blinded: int, key: PublicKey, d: int) -> int:
    if not 1 < blinded < key.n - 1:
        raise ValueError("blinded value out of range")
    return pow(blinded, d, key.n)


def verify(token: bytes, signature: int, key: PublicKey) -> bool:
    if not 0 < signature < key.n:
        return False
    return pow(signature, key.e, key.n) == fdh(token, key)


# --- the phone's half (the PWA does this; here for tests and the shared vectors) ----------------

def blind(token: bytes, key: PublicKey, r: int) -> int:
    if math.gcd(r, key.n) != 1:
        raise ValueError("r must be invertible mod n")
    return fdh(token, key) * pow(r, key.e, key.n) % key.n


def unblind(blind_signature: int, key: PublicKey, r: int) -> int:
    return blind_signature * pow(r, -1, key.n) % key.n


def random_r(key: PublicKey) -> int:
    while True:
        r = secrets.randbelow(key.n - 2) + 2
        if math.gcd(r, key.n) == 1:
            return r


def new_token() -> bytes:
    return secrets.token_bytes(TOKEN_BYTES)
