from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.core.db import UTCDateTime, db
from sync import clock


class BranchFeaturedSystem(db.Model):
    """A branch's adoption of a featured-system template (X), from adopted_on until dropped_on.

    Dropping keeps the row (its history judges the past periods); adopting again adds a new row.
    At most one open adoption (dropped_on null) per branch and template."""

    __tablename__ = "branch_featured_system"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branch.id"), index=True)
    template_code: Mapped[str] = mapped_column(sa.String(64))
    adopted_on: Mapped[dt.date] = mapped_column(sa.Date)
    adopted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    dropped_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    dropped_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    __table_args__ = (
        sa.Index("uq_branch_featured_system_open", "branch_id", "template_code", unique=True,
                 sqlite_where=sa.text("dropped_on IS NULL"), postgresql_where=sa.text("dropped_on IS NULL")),
    )

    def open_during(self, start: dt.date, end: dt.date) -> bool:
        return self.adopted_on <= end and (self.dropped_on is None or self.dropped_on > start)
