"""Service posts (党员责任区, 先锋岗, 示范户, 承诺践诺, 设岗定责, 结对帮扶, 志愿服务): standing
assignments of a branch's members, each expecting at least one confirmed service record per
cadence period from every member assigned (SPEC system 6)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.core.db import UTCDateTime, db
from server.core.enums import ServiceCadence, ServicePostKind, enum_column_type
from server.org.models import Member
from sync import clock


class ServicePost(db.Model):
    __tablename__ = "service_post"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branch.id"), index=True)
    kind: Mapped[ServicePostKind] = mapped_column(enum_column_type(ServicePostKind))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.String(2000))
    cadence: Mapped[ServiceCadence] = mapped_column(enum_column_type(ServiceCadence))
    starts_on: Mapped[dt.date] = mapped_column(sa.Date)
    ends_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    # Who made it when not a secretary by hand: "template:<code>" for a featured system's template.
    source: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    assignments: Mapped[list[ServiceAssignment]] = relationship(
        back_populates="post", order_by="ServiceAssignment.id"
    )

    def open_on(self, day: dt.date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class ServiceAssignment(db.Model):
    """A member on a post from `starts_on` to `ends_on` (inclusive; open while null)."""

    __tablename__ = "service_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("service_post.id"), index=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"), index=True)
    starts_on: Mapped[dt.date] = mapped_column(sa.Date)
    ends_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    post: Mapped[ServicePost] = relationship(back_populates="assignments")
    member: Mapped[Member] = relationship()

    def open_on(self, day: dt.date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)
