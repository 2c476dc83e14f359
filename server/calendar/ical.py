"""A tiny iCalendar (RFC 5545) writer: enough for a published feed of events.

Lines end with CRLF and are folded at 75 octets (never inside a UTF-8 character); text values
escape backslash, semicolon, comma and newlines; times are UTC with a trailing Z.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

MAX_OCTETS = 75


def escape_text(value: str) -> str:
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n"))


def utc_stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def fold(line: str) -> str:
    """Split a content line into physical lines of at most 75 octets, continuations starting with a space."""
    parts: list[str] = []
    current, size, limit = [], 0, MAX_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, MAX_OCTETS - 1  # the leading space takes one octet
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts)


@dataclasses.dataclass(frozen=True)
class VEvent:
    uid: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    summary: str
    location: str | None = None
    description: str | None = None
    status: str = "CONFIRMED"  # TENTATIVE | CONFIRMED | CANCELLED
    last_modified: dt.datetime | None = None


def calendar(name: str, events: list[VEvent], stamp: dt.datetime, prodid: str = "-//Zhibu//Zhibu 8+X//ZH") -> bytes:
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{prodid}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}", "X-WR-TIMEZONE:Asia/Shanghai",
    ]
    for event in events:
        lines += ["BEGIN:VEVENT", f"UID:{event.uid}", f"DTSTAMP:{utc_stamp(stamp)}",
                  f"DTSTART:{utc_stamp(event.starts_at)}", f"DTEND:{utc_stamp(event.ends_at)}",
                  f"SUMMARY:{escape_text(event.summary)}", f"STATUS:{event.status}"]
        if event.location:
            lines.append(f"LOCATION:{escape_text(event.location)}")
        if event.description:
            lines.append(f"DESCRIPTION:{escape_text(event.description)}")
        if event.last_modified:
            lines.append(f"LAST-MODIFIED:{utc_stamp(event.last_modified)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return ("".join(fold(line) + "\r\n" for line in lines)).encode("utf-8")
