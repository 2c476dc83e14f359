"""The self-verifying archive page (党员手册): each printed page carries a QR signed with the
server's Ed25519 card key, so an inspector's phone checks offline that the paper is genuine.

QR text: ``ZA1.<b64url(payload)>.<b64url(signature)>`` (base64url, no padding), the payload being
the canonical JSON (sorted keys, no spaces, UTF-8, as sync/cards.py) of::

    {"v": 1, "kid": key id, "mid": member id, "nm": name, "br": branch name,
     "pd": "YYYY-MM-DD" (day printed), "y": year covered or null (the whole archive),
     "p": page, "n": pages,
     "r": [["YYYYMMDD", kind code, short title, state code], ...]  (the records on the page),
     "h": b64url(SHA-256 of the page's printed lines joined by "\\n")}

A row carries what an inspector compares with the paper; the digest pins every printed line of
the page (the full titles, the headings, the cover's data) to the signature. Pure: no Flask.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.cards import _is_id, b64url, canonical_json, canonical_object, key_id_for, open_signed

ARCHIVE_VERSION = 1
QR_PREFIX = "ZA1"
# A QR of at most version 25 at error correction M holds 997 bytes: the page's QR text stays
# below this, so it prints at a module size a phone camera reads on paper (docs/decisions.md).
MAX_QR_TEXT_LEN = 990
# Bounds work before decoding anything a scanner hands over.
MAX_ARCHIVE_TEXT_LEN = 2048
TITLE_LEN = 10  # characters of a record's title carried in the QR (the paper prints it in full)
NAME_LEN = 40
BRANCH_LEN = 30
MAX_ROWS = 40
STATES = ("p", "a", "c")  # pending, acknowledged (by the member), confirmed (by the branch)

ArchiveReason = Literal["malformed", "unknown_key", "bad_signature"]

_PAYLOAD_KEYS = frozenset({"v", "kid", "mid", "nm", "br", "pd", "y", "p", "n", "r", "h"})
_KID_RE = re.compile(r"[0-9a-f]{16}")
_CODE_RE = re.compile(r"[A-Z]{2}")
_DAY_RE = re.compile(r"[0-9]{8}")
_ISO_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DIGEST_RE = re.compile(r"[A-Za-z0-9_-]{43}")


def clean(text: str, limit: int | None = None) -> str:
    """Text as it may appear in a payload: control and format characters become spaces (so any
    JSON library encodes it the same), whitespace collapsed, cut to `limit` characters with "…"."""
    text = "".join(" " if unicodedata.category(c)[0] in "CZ" and c != " " else c for c in str(text))
    text = " ".join(text.split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def lines_digest(lines: Sequence[str]) -> str:
    """b64url SHA-256 of a page's printed lines joined by newlines (43 characters)."""
    return b64url(hashlib.sha256("\n".join(lines).encode("utf-8")).digest())


@dataclass(frozen=True)
class ArchiveRow:
    day: datetime.date
    code: str  # two capitals: the record's kind (GA general assembly, ST study, DU dues...)
    title: str  # shortened to TITLE_LEN characters
    state: str  # p / a / c

    def __post_init__(self) -> None:
        if type(self.day) is not datetime.date:
            raise ValueError("day must be a datetime.date")
        if not isinstance(self.code, str) or not _CODE_RE.fullmatch(self.code):
            raise ValueError("code must be two capital letters")
        if not isinstance(self.title, str) or clean(self.title, TITLE_LEN) != self.title:
            raise ValueError("title must be clean() text of at most TITLE_LEN characters")
        if self.state not in STATES:
            raise ValueError(f"state must be one of {STATES}")

    def to_json(self) -> list[str]:
        return [self.day.strftime("%Y%m%d"), self.code, self.title, self.state]


@dataclass(frozen=True)
class ArchivePage:
    """What one printed page asserts. Validated on construction."""

    member_id: int
    name: str
    branch: str
    printed_on: datetime.date
    year: int | None
    page: int
    pages: int
    rows: tuple[ArchiveRow, ...]
    digest: str

    def __post_init__(self) -> None:
        if not _is_id(self.member_id):
            raise ValueError("member_id must be an int in 1..2**53-1")
        for value, limit in ((self.name, NAME_LEN), (self.branch, BRANCH_LEN)):
            if not isinstance(value, str) or not value or clean(value, limit) != value:
                raise ValueError("name and branch must be non-empty clean() text")
        if type(self.printed_on) is not datetime.date:
            raise ValueError("printed_on must be a datetime.date")
        if self.year is not None and (type(self.year) is not int or not 1900 <= self.year <= 9999):
            raise ValueError("year must be None or an int in 1900..9999")
        for value in (self.page, self.pages):
            if type(value) is not int or not 1 <= value <= 9999:
                raise ValueError("page and pages must be ints in 1..9999")
        if self.page > self.pages:
            raise ValueError("page must not exceed pages")
        if not isinstance(self.rows, tuple) or len(self.rows) > MAX_ROWS or \
                not all(isinstance(r, ArchiveRow) for r in self.rows):
            raise ValueError(f"rows must be a tuple of at most {MAX_ROWS} ArchiveRow")
        if not isinstance(self.digest, str) or not _DIGEST_RE.fullmatch(self.digest):
            raise ValueError("digest must be 43 base64url characters")

    def to_payload(self, kid: str) -> dict[str, Any]:
        return {
            "v": ARCHIVE_VERSION, "kid": kid, "mid": self.member_id, "nm": self.name, "br": self.branch,
            "pd": self.printed_on.isoformat(), "y": self.year, "p": self.page, "n": self.pages,
            "r": [row.to_json() for row in self.rows], "h": self.digest,
        }


@dataclass(frozen=True)
class ArchiveVerdict:
    ok: bool
    page: ArchivePage | None = None  # only when the signature checked out
    reason: ArchiveReason | None = None
    kid: str | None = None


def sign_archive_page(page: ArchivePage, private_raw: bytes) -> str:
    key = Ed25519PrivateKey.from_private_bytes(private_raw)
    kid = key_id_for(key.public_key().public_bytes_raw())
    payload = canonical_json(page.to_payload(kid))
    return f"{QR_PREFIX}.{b64url(payload)}.{b64url(key.sign(payload))}"


def qr_text_length(page: ArchivePage) -> int:
    """The length of the page's QR text, without signing (the signature is always 86 characters)."""
    payload = canonical_json(page.to_payload("0" * 16))
    return len(QR_PREFIX) + 2 + len(b64url(payload)) + 86


def _parse_row(item: Any) -> ArchiveRow | None:
    if not isinstance(item, list) or len(item) != 4 or not all(isinstance(x, str) for x in item):
        return None
    day, code, title, state = item
    if not _DAY_RE.fullmatch(day):
        return None
    try:
        return ArchiveRow(datetime.date(int(day[:4]), int(day[4:6]), int(day[6:])), code, title, state)
    except (ValueError, TypeError):
        return None


def _parse_payload(payload: bytes) -> tuple[str, ArchivePage] | None:
    obj = canonical_object(payload, _PAYLOAD_KEYS)
    if obj is None:
        return None
    kid, printed, rows = obj["kid"], obj["pd"], obj["r"]
    if type(obj["v"]) is not int or obj["v"] != ARCHIVE_VERSION:
        return None
    if not isinstance(kid, str) or not _KID_RE.fullmatch(kid):
        return None
    if not isinstance(printed, str) or not _ISO_RE.fullmatch(printed) or not isinstance(rows, list):
        return None
    parsed_rows = [_parse_row(item) for item in rows]
    if any(r is None for r in parsed_rows):
        return None
    try:
        page = ArchivePage(
            member_id=obj["mid"], name=obj["nm"], branch=obj["br"],
            printed_on=datetime.date.fromisoformat(printed), year=obj["y"], page=obj["p"], pages=obj["n"],
            rows=tuple(parsed_rows), digest=obj["h"],
        )
    except (ValueError, TypeError):
        return None
    return kid, page


def verify_archive_page(text: str, public_keys: Mapping[str, bytes]) -> ArchiveVerdict:
    """Verify a scanned page's QR. Never raises on any `text`.

    malformed (framing or payload) → unknown_key → bad_signature. A page has no expiry: the paper
    stays genuine for as long as the key that signed it is trusted.
    """
    reason, kid, page = open_signed(text, QR_PREFIX, MAX_ARCHIVE_TEXT_LEN, _parse_payload, public_keys)
    if reason is not None:
        return ArchiveVerdict(ok=False, reason=reason, kid=kid)
    return ArchiveVerdict(ok=True, page=page, kid=kid)
