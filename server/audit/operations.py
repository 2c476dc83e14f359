from __future__ import annotations

from server.audit.models import AuditEntry
from server.core.db import db


def log_action(actor_id: int | None, action: str, target, *, branch_id: int | None, **data) -> AuditEntry:
    """Append an audit line for `target` (any model with an id). Only flushes: the request commits."""
    entry = AuditEntry(
        actor_id=actor_id,
        action=action,
        branch_id=branch_id,
        target_type=target.__tablename__,
        target_id=target.id,
        data=data,
    )
    db.session.add(entry)
    return entry
