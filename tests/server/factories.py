"""Factories for server tests (Indico's create_x style): each takes the session's objects and
keyword overrides, adds and flushes. `World` builds the cast the role matrix calls with."""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re

from server.auth.operations import create_user
from server.cards.operations import issue_card
from server.core.db import db
from server.core.enums import BranchRoleKind, EventKind, MemberStatus, RecordKind, Sector
from server.events.operations import create_event
from server.org.models import Branch, BranchRole, Committee, FloatingMembership, Group, Member
from server.records.models import Record
from sync import clock

PASSWORD = "correct horse battery"


def create_committee(name="县委组织部", parent=None) -> Committee:
    committee = Committee(name=name, parent=parent)
    db.session.add(committee)
    db.session.flush()
    return committee


def create_branch(committee, name="第一党支部", sector=Sector.village) -> Branch:
    branch = Branch(committee=committee, name=name, sector=sector)
    db.session.add(branch)
    db.session.flush()
    return branch


def create_group(branch, name="第一党小组") -> Group:
    group = Group(branch=branch, name=name)
    db.session.add(group)
    db.session.flush()
    return group


def create_member(branch, name="张三", *, username=None, status=MemberStatus.full, group=None, **kw) -> Member:
    member = Member(branch=branch, name=name, status=status, group=group, **kw)
    db.session.add(member)
    db.session.flush()
    if username:
        create_user(username, PASSWORD, member_id=member.id)
    return member


def create_role(member, role=BranchRoleKind.secretary, branch=None, starts_on=None) -> BranchRole:
    r = BranchRole(branch=branch or member.branch, member=member, role=role,
                   starts_on=starts_on or dt.date(2020, 1, 1))
    db.session.add(r)
    db.session.flush()
    return r


def create_floating(member, host, starts_on=None, ends_on=None) -> FloatingMembership:
    fm = FloatingMembership(member=member, host_branch=host, starts_on=starts_on or dt.date(2020, 1, 1), ends_on=ends_on)
    db.session.add(fm)
    db.session.flush()
    return fm


def create_event_for(branch, kind=EventKind.general_assembly, title="党员大会", starts_at=None, **kw):
    starts_at = starts_at or clock.now().replace(microsecond=0) + dt.timedelta(days=1)
    data = {"kind": kind, "title": title, "starts_at": starts_at, "ends_at": starts_at + dt.timedelta(hours=2), **kw}
    return create_event(branch, data, actor_id=None)


def create_record(member, *, branch=None, event=None, kind=None, **kw) -> Record:
    record = Record(
        member=member,
        branch=branch or (event.branch if event else member.branch),
        event=event,
        kind=kind or (RecordKind.attendance if event else RecordKind.service),
        occurred_on=kw.pop("occurred_on", (event.starts_at.date() if event else dt.date(2026, 1, 5))),
        title=kw.pop("title", event.title if event else "志愿服务"),
        **kw,
    )
    db.session.add(record)
    db.session.flush()
    return record


@dataclasses.dataclass
class World:
    """The cast: branch A (ours) and B (another) under one committee, a second committee."""

    committee_id: int
    branch_a: int
    branch_b: int
    group_a: int
    member: int  # a member of A
    member2: int  # another member of A
    floating: int  # a member of B floating to A
    secretary_a: int  # member ids
    secretary_b: int
    member_b: int  # a member of B who is not floating
    event_a: int
    event_b: int
    record_member: int  # the member's attendance at event_a
    record_floating_a: int  # the floating member's attendance at A's event
    record_floating_home: int  # the floating member's service record kept by B
    record_b: int  # member_b's record at B
    card_member: int
    card_floating: int
    role_secretary_a: int


def build_world() -> World:
    committee = create_committee()
    other_committee = create_committee("另一个党委")
    a = create_branch(committee, "红旗村党支部", Sector.village)
    b = create_branch(committee, "县财政局机关党支部", Sector.agency)
    create_branch(other_committee, "星火科技党支部", Sector.enterprise)
    group_a = create_group(a)
    member = create_member(a, "李明", username="member", group=group_a)
    member2 = create_member(a, "王芳", username="member2", group=group_a, status=MemberStatus.probationary)
    sec_a = create_member(a, "赵书记", username="secretary_a")
    role = create_role(sec_a)
    sec_b = create_member(b, "钱书记", username="secretary_b")
    create_role(sec_b)
    floating = create_member(b, "孙流动", username="floating")
    create_floating(floating, a)
    member_b = create_member(b, "周B", username="member_b")
    create_user("committee", PASSWORD, committee_id=committee.id)
    create_user("other_committee", PASSWORD, committee_id=other_committee.id)
    event_a = create_event_for(a)
    event_b = create_event_for(b)
    card_member = issue_card(member, None, actor_id=None)
    card_floating = issue_card(floating, None, actor_id=None)
    rec_m = create_record(member, event=event_a)
    rec_fa = create_record(floating, event=event_a)
    rec_fh = create_record(floating)
    rec_b = create_record(member_b, event=event_b)
    db.session.commit()
    return World(committee.id, a.id, b.id, group_a.id, member.id, member2.id, floating.id, sec_a.id, sec_b.id,
                 member_b.id, event_a.id, event_b.id, rec_m.id, rec_fa.id, rec_fh.id, rec_b.id,
                 card_member.id, card_floating.id, role.id)


def create_minutes(event, text="会议记录：学习传达上级精神，研究本月工作。", nonce=None):
    from server.minutes.operations import write_minutes

    return write_minutes(event, text, nonce or f"nonce-{event.id}-{len(text)}", None, actor_id=None)


def create_filing(branch, kind, year, *, filed_at=None, title="报送材料", **kw):
    from server.filings.operations import submit_filing

    data = {"kind": kind, "year": year, "period": kw.pop("period", None), "title": title,
            "body": kw.pop("body", None), "event_id": kw.pop("event_id", None),
            "requested_on": kw.pop("requested_on", None)}
    filing = submit_filing(branch, data, actor_id=None)
    if filed_at is not None:
        filing.filed_at = filed_at
    for key, value in kw.items():
        setattr(filing, key, value)
    db.session.flush()
    return filing


def china_time(day: dt.date, hour=9, minute=0) -> dt.datetime:
    """A local (China) wall time as an aware UTC datetime."""
    local = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    return local.astimezone(dt.timezone.utc)


def create_meeting(branch, kind, day: dt.date, *, attendees=(), minutes=True, hour=9, **kw):
    """A held meeting on a local date, with attendance records for `attendees` and minutes."""
    from server.core.enums import EventStatus

    starts_at = china_time(day, hour)
    kw.setdefault("status", EventStatus.held)
    event = create_event_for(branch, kind=kind, title=kw.pop("title", f"{kind.value} {day}"), starts_at=starts_at, **kw)
    for member in attendees:
        create_record(member, event=event, occurred_on=day)
    if minutes:
        create_minutes(event)
    return event


def fill(value, ids: dict):
    """"{name}" → the id; other strings are formatted; dicts and lists recursively (the role
    matrix's and the scoping tests' request templates)."""
    if isinstance(value, str):
        whole = re.fullmatch(r"\{(\w+)\}", value)
        return ids[whole.group(1)] if whole else value.format(**ids)
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    return value


def send(client, row, headers: dict, ids: dict):
    """Send a request template (method, url, body or files) with its "{name}"s filled in; files are
    (bytes, filename) pairs, streamed as multipart."""
    if row.files is not None:
        files = {k: (io.BytesIO(v[0]), v[1]) if isinstance(v, tuple) else v for k, v in row.files.items()}
        response = client.open("/api/v1" + fill(row.url, ids), method=row.method, headers=headers, data=files,
                               content_type="multipart/form-data")
    else:
        response = client.open("/api/v1" + fill(row.url, ids), method=row.method, headers=headers,
                               json=fill(row.body, ids) if row.body is not None else None)
    response.close()  # files are streamed
    return response
