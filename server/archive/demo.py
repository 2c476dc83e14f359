"""The demo's archive register: in each branch one member (the first after the secretary) had
their archive for this year printed by the secretary today, so LOG-archive shows one member
kept and names the rest. Register rows only (no PDF is rendered while building the demo)."""
from __future__ import annotations

import hashlib

from server.archive.operations import log_print
from sync.cards import b64url


def build_demo(builder) -> None:
    from server.demo.operations import BRANCHES

    year = builder.today.year
    for spec in BRANCHES:
        secretary = builder._secretary(spec.key)
        member = next(builder.members[m.username] for m in spec.members
                      if builder.users[m.username].id != secretary.id)
        digest = b64url(hashlib.sha256(f"demo archive {member.id} {year}".encode()).digest())
        row = log_print(member, year, 3, digest, secretary.id)
        row.printed_at = builder.now
