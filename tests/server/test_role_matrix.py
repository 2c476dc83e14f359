"""Who may call what: every endpoint of the API, called as every kind of user.

The table below is the access policy of SPEC.md written out. Each row is one request with a valid
body (so that "allowed" means a 2xx, never a validation error) and the set of users it is allowed
for; every other logged-in user gets 403 (or the row's `denied` status), a guest always gets 401.
Each (row, user) cell is its own test. The world is built once per backend for the module, its
users logged in once, and every cell runs inside a transaction that is rolled back afterwards
(the app's per-request commits become savepoints), so calls that change state (issuing a card,
confirming, ending a post) never leak into the next cell.

The cast (tests/server/factories.py): branches A and B under one committee, a third branch under
`other_committee`. `member` is a member of A; `floating` is a member of B floating to A;
`secretary_a` and `secretary_b` run A and B. In short:
- a member sees their branch (its events, groups and posts) and acts on their own card and records;
- a secretary manages their own branch: members, groups, cards, events, records, posts, audit;
- the host branch (A) sees a floating member and the records kept at its events, not the records
  kept by the home branch; the home branch (B) sees all of its floating member's records;
- the committee sees the branches under it (members, records, audit), appoints and ends posts, and
  manages nothing else; another committee sees nothing of A or B.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from sync import PROTOCOL_VERSION, clock
from tests.conftest import rolled_back
from tests.server.factories import fill, send
from tests.server.importkit import workbook_bytes

API = "/api/v1"

GUEST, M, F, SA, SB, C, OC = "guest", "member", "floating", "secretary_a", "secretary_b", "committee", "other_committee"
USERS = (M, F, SA, SB, C, OC)
ROLES = (GUEST, *USERS)
EVERYONE = frozenset(USERS)  # every logged-in user
SEES_A = frozenset({M, F, SA, C})  # A's members, the member floating to A, A's secretary, the committee
SEES_B = frozenset({F, SB, C})
OVERSEES_A = frozenset({SA, C})  # A's secretary and the committee
OVERSEES_B = frozenset({SB, C})


@dataclasses.dataclass(frozen=True)
class Row:
    method: str
    url: str  # under /api/v1; {names} are World ids, or ids the row's setup returns
    allowed: frozenset[str]
    body: dict | None = None  # {names} in string values become ids too
    files: dict | None = None  # a multipart body instead: {field: value or (bytes, filename)}
    ok: int = 200
    denied: int = 403  # what a logged-in user outside `allowed` gets
    setup: Callable | None = None  # (world) -> extra ids, run in an app context before the call
    token: str = "access_token"
    note: str = ""

    @property
    def id(self) -> str:
        return f"{self.method} {self.url}" + (f" ({self.note})" if self.note else "")


def R(method, url, allowed, body=None, **kw) -> Row:
    return Row(method, url, frozenset(allowed), body, **kw)


# --- state some rows need ------------------------------------------------------------------------

def member_asks_leave(world) -> dict:
    from server.core.db import db
    from server.events.models import Event
    from server.events.operations import request_leave
    from server.org.models import Member

    leave = request_leave(db.session.get(Event, world.event_a), db.session.get(Member, world.member), "出差")
    db.session.commit()
    return {"leave": leave.id}


def record_member_confirmed(world) -> dict:
    from server.core.db import db
    from server.records.models import Record

    record = db.session.get(Record, world.record_member)
    record.confirmed_at = clock.now()
    db.session.commit()
    return {}


NEXT_YEAR = clock.today().year + 1  # a plan or schedule is made for a year to come


# points (server/points): the quarter before this one, which may be published
_Q = (clock.today().month - 1) // 3
LAST_QUARTER = f"{clock.today().year}-Q{_Q}" if _Q else f"{clock.today().year - 1}-Q4"


def a_points_scheme(world) -> dict:
    """A's suggested points scheme (quarterly)."""
    from server.core.db import db
    from server.points.operations import use_suggested

    use_suggested(_branch_a(world), None)
    db.session.commit()
    return {}


def _branch_a(world):
    from server.core.db import db
    from server.org.models import Branch

    return db.session.get(Branch, world.branch_a)


def a_filing(world) -> dict:
    from server.core.db import db
    from server.core.enums import FilingKind
    from tests.server.factories import create_filing

    filing = create_filing(_branch_a(world), FilingKind.other, 2026)
    db.session.commit()
    return {"filing": filing.id}


def a_rectification_item(world) -> dict:
    from server.core.db import db
    from server.filings.operations import add_rectification_item

    item = add_rectification_item(_branch_a(world), {"year": 2026, "problem": "学习不够深入"}, None)
    db.session.commit()
    return {"item": item.id}


def a_returned_filing(world) -> dict:
    from server.core.db import db
    from server.filings.models import Filing
    from server.filings.operations import decide

    filing = a_filing(world)
    decide(db.session.get(Filing, filing["filing"]), False, "请补充材料", None)
    db.session.commit()
    return filing


def the_floating_membership(world) -> dict:
    from server.core.db import db
    from server.org.models import Member

    return {"floating_membership": db.session.get(Member, world.floating).floating_memberships[0].id}


def an_org_life_meeting(world) -> dict:
    from server.core.db import db
    from server.core.enums import EventKind
    from tests.server.factories import create_event_for

    event = create_event_for(_branch_a(world), kind=EventKind.org_life_meeting, title="组织生活会")
    db.session.commit()
    return {"olm": event.id}


def minutes_of_event_a(world) -> dict:
    from server.core.db import db
    from server.events.models import Event
    from tests.server.factories import create_minutes

    create_minutes(db.session.get(Event, world.event_a))
    db.session.commit()
    return {}


def a_minutes_photo(world) -> dict:
    from werkzeug.datastructures import FileStorage

    from server.core.db import db
    from server.events.models import Event
    from server.minutes.operations import add_photo

    photo, _ = add_photo(db.session.get(Event, world.event_a), "matrix-photo-0",
                         FileStorage(io.BytesIO(PNG), "minutes.png"), None)
    db.session.commit()
    return {"photo": photo.id}


def a_loaded_schedule(world) -> dict:
    from server.calendar.operations import load_schedule
    from server.core.db import db

    load_schedule(NEXT_YEAR, {"days": [{"date": dt.date(NEXT_YEAR, 10, 1), "kind": "rest", "name": "国庆节"}]}, None)
    db.session.commit()
    return {}


def members_calendar_feeds(world) -> dict:
    from server.calendar.operations import regenerate_feed
    from server.core.db import db
    from server.org.models import Member

    for member_id in (world.member, world.floating, world.secretary_a, world.secretary_b):
        regenerate_feed(db.session.get(Member, member_id), None)
    db.session.commit()
    return {}


def a_generated_plan(world) -> dict:
    from server.activity_plan.operations import generate_plan
    from server.core.db import db

    generate_plan(_branch_a(world), {"year": NEXT_YEAR, "start_time": "14:30", "duration_minutes": 120, "place": None,
                                     "themes": []}, None)
    db.session.commit()
    return {}


def notice_of_event_a(world) -> dict:
    from server.core.db import db
    from server.events.models import Event
    from server.events.operations import publish_notice

    publish_notice(db.session.get(Event, world.event_a), "请全体党员准时参加。", actor_id=None)
    db.session.commit()
    return {}


def a_notification_for_member(world) -> dict:
    from server.core.db import db
    from server.events.models import Event
    from server.notifications.operations import NotificationKind, notify

    [notification] = notify(db.session.get(Event, world.event_a), NotificationKind.notice, [world.member])
    db.session.commit()
    return {"notification": notification.id}


def a_recruitment_case(world, until: str | None = None) -> dict:
    """An applicant of A (letter of 10 January 2026), taken as far as `until`: "activist" (from
    1 March 2026) or "reviewed" (a candidate reviewed by the branch committee, awaiting the pre-review)."""
    from server.core.db import db
    from server.recruitment.operations import create_case, record_step, set_contacts

    today = clock.today()
    applied = dt.date(2026, 1, 10) if until != "reviewed" else dt.date(2024, 1, 10)
    case = create_case(_branch_a(world), {"name": "陈新", "applied_on": applied, "birth_date": dt.date(1990, 1, 1)},
                       None, today)
    if until:
        record_step(case, {"kind": "talk", "on": applied + dt.timedelta(days=10)}, None, today)
        record_step(case, {"kind": "activist", "on": applied + dt.timedelta(days=50)}, None, today)
    if until == "reviewed":
        set_contacts(case, [world.member], applied + dt.timedelta(days=50), None, today)
        for kind in ("candidate", "political_review", "training", "committee_review"):
            record_step(case, {"kind": kind, "on": dt.date(2025, 6, 1)}, None, today)
    db.session.commit()
    return {"case": case.id}


def a_dues_basis(world) -> dict:
    """The member's dues (a rural member's 1.00 yuan a month) from this month on."""
    from server.core.db import db
    from server.core.enums import DuesCategory
    from server.dues.models import DuesBasis

    db.session.add(DuesBasis(member_id=world.member, category=DuesCategory.rural, monthly_fen=100,
                             effective_from=clock.today().replace(day=1)))
    db.session.commit()
    return {}


def a_dues_payment(world) -> dict:
    """The member's basis, and this month paid (1.00 yuan, recorded by A's secretary)."""
    from server.auth.access import load_principal
    from server.auth.models import User
    from server.core.db import db
    from server.dues.operations import PaymentAttempt, record_payment
    from server.org.models import Member

    a_dues_basis(world)
    secretary = db.session.get(Member, world.secretary_a)
    user = db.session.query(User).filter_by(member_id=secretary.id).one()
    payment, _ = record_payment(load_principal(user), PaymentAttempt(
        "matrix-dues-payment", world.member, [f"{clock.today():%Y-%m}"], 100, clock.now()))
    db.session.commit()
    return {"payment": payment.id}


def a_dues_remittance(world) -> dict:
    from server.core.db import db
    from server.dues.operations import record_remittance

    a_dues_payment(world)
    month = clock.today().replace(day=1)
    remittance = record_remittance(_branch_a(world), {"first_month": month, "last_month": month, "amount_fen": 100,
                                                      "remitted_on": clock.today()}, None)
    db.session.commit()
    return {"remittance": remittance.id}


THIS_MONTH = f"{clock.today():%Y-%m}"


def an_org_life_event(world) -> dict:
    """A's org-life meeting event tonight (no meeting record yet)."""
    from server.core.db import db
    from server.core.enums import EventKind
    from tests.server.factories import china_time, create_event_for

    today = clock.today()
    event = create_event_for(_branch_a(world), kind=EventKind.org_life_meeting, title="组织生活会",
                             starts_at=china_time(today, 23))
    db.session.commit()
    return {"olm_event": event.id, "year": today.year}


def an_org_life_meeting_prepared(world) -> dict:
    """A's org-life meeting of the year, tonight (analyses still open, review and criticism already
    recordable), with a lecture held yesterday to link, one linked the day before, an opinion, a
    talk, and one of last year's rectification items."""
    from server.core.db import db
    from server.core.enums import EventKind
    from server.filings.models import RectificationItem
    from server.org_life import operations
    from tests.server.factories import create_meeting

    ids = an_org_life_event(world)
    today, branch = clock.today(), _branch_a(world)
    meeting = operations.create_meeting(branch, {"year": ids["year"], "event_id": ids["olm_event"]}, None)
    lecture = create_meeting(branch, EventKind.party_lecture, today - dt.timedelta(days=1))
    linked = create_meeting(branch, EventKind.party_lecture, today - dt.timedelta(days=2))
    operations.link_study(meeting, linked.id, None, today)
    opinion = operations.add_opinion(meeting, {"method": "symposium", "held_on": today, "summary": "座谈会"}, None, today)
    talk = operations.add_talk(meeting, {"member_a_id": world.secretary_a, "member_b_id": world.member,
                                         "held_on": today}, None, today)
    item = RectificationItem(branch_id=branch.id, year=today.year - 1, problem="走访群众偏少")
    db.session.add(item)
    db.session.commit()
    return {**ids, "meeting": meeting.id, "lecture": lecture.id, "linked": linked.id, "opinion": opinion.id,
            "talk": talk.id, "last_item": item.id}


def an_evaluation(stage: str, **kw):
    """Setup: branch A's evaluation at `stage` (tests/server/evaluationkit.py evaluation_at)."""
    def setup(world) -> dict:
        from tests.server.evaluationkit import evaluation_at

        return evaluation_at(world, stage, **kw)
    return setup


def _push_subscription_body() -> dict:
    import base64

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    point = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()  # noqa: E731
    return {"endpoint": "https://fcm.googleapis.com/fcm/send/matrix-subscription-1",
            "keys": {"p256dh": b64(point), "auth": b64(bytes(range(16)))}, "device_id": "matrix-device-1"}


PUSH_SUBSCRIPTION = _push_subscription_body()
# --- education and service (server/service) --------------------------------------------------------

def a_service_post(world) -> dict:
    """A's monthly service post with the member assigned, and the member's own record with a photo."""
    from server.core.db import db
    from server.core.enums import RecordKind
    from server.minutes import storage
    from server.org.models import Member
    from server.service.operations import assign, create_service_post
    from tests.server.factories import create_record

    post = create_service_post(world.branch_a, kind="responsibility_zone", title="村东片区", description=None,
                               cadence="month")
    assignment = assign(post, world.member, None, actor_id=None)
    record = create_record(db.session.get(Member, world.member), kind=RecordKind.study, client_id="matrix-own-1",
                           occurred_on=clock.today(), photo=storage.save("records/matrix", PNG, "png"),
                           photo_type="image/png")
    db.session.commit()
    return {"service_post": post.id, "service_assignment": assignment.id, "own_record": record.id}


# --- featured systems (server/featured) ------------------------------------------------------------

def a_featured_system(world) -> dict:
    """A has adopted the party-affairs disclosure (党务公开)."""
    from server.core.db import db
    from server.featured.operations import adopt
    from server.org.models import Branch

    adopt(db.session.get(Branch, world.branch_a), "village-affairs-disclosure", None)
    db.session.commit()
    return {}


PNG = b"\x89PNG\r\n\x1a\n" + bytes(32)  # what the server sniffs for
# A member's own study record with a photo (server/service).
OWN_RECORD = {"client_id": "matrix-own-2", "kind": "study", "occurred_on": clock.today().isoformat(),
              "title": "网上学习", "file": (PNG, "own.png")}
EVENT = {"kind": "party_lecture", "title": "党课：学习党章", "starts_at": "2030-03-06T01:00:00+00:00",
         "ends_at": "2030-03-06T03:00:00+00:00", "place": "村委会"}
SERVICE = {"member_id": "{member}", "kind": "service", "occurred_on": "2026-01-10", "title": "志愿服务"}
PUSH = {"protocol_version": PROTOCOL_VERSION, "device_id": "matrix-device-1", "client_time_ms": 1_780_000_000_000,
        "mutations": []}

# corrections (整改通知, server/corrections)
def a_correction_request(world, answered: bool = False) -> dict:
    from server.core.db import db
    from server.corrections import operations
    from server.org.models import Committee

    request = operations.send(db.session.get(Committee, world.committee_id), _branch_a(world),
                              {"rule_id": "3M1-group", "period": None, "deadline": clock.today() + dt.timedelta(days=15)},
                              None)
    if answered:
        operations.answer(request, {"text": "已整改", "evidence": []}, None)
    db.session.commit()
    return {"correction": request.id}


def an_answered_correction(world) -> dict:
    return a_correction_request(world, answered=True)


def a_correction_attachment(world) -> dict:
    from werkzeug.datastructures import FileStorage

    from server.core.db import db
    from server.corrections import operations
    from server.corrections.models import CorrectionRequest

    ids = a_correction_request(world)
    row = operations.attach(db.session.get(CorrectionRequest, ids["correction"]), FileStorage(io.BytesIO(PNG), "a.png"),
                            None, by_committee=True)
    db.session.commit()
    return ids | {"correction_attachment": row.id}


# secretary review (述职评议, server/secretary_review): last year's, A's secretary's
REVIEW_YEAR = clock.today().year - 1
REVIEW_TEXT = {"performance": "履职", "problems": "问题", "measures": "措施", "plans": "打算"}


def a_secretary_review(world, submitted: bool = False) -> dict:
    from server.core.db import db
    from server.org.models import Member
    from server.secretary_review import operations

    secretary = db.session.get(Member, world.secretary_a)
    review = operations.save(_branch_a(world), REVIEW_YEAR, REVIEW_TEXT, secretary, None, clock.today())
    if submitted:
        operations.submit(review, None, clock.today())
    db.session.commit()
    return {}


def a_submitted_secretary_review(world) -> dict:
    return a_secretary_review(world, submitted=True)


# imports: a workbook whose roster sheet has its headers and no rows
EMPTY_ROSTER = workbook_bytes(roster=[])


MATRIX = [
    # auth: anyone logged in
    R("POST", "/auth/refresh", EVERYONE, token="refresh_token"),
    R("POST", "/auth/logout", EVERYONE, {}, ok=204),
    R("GET", "/auth/me", EVERYONE),
    R("POST", "/auth/logout-all", EVERYONE, ok=204),
    R("POST", "/auth/password", EVERYONE, {"current_password": "correct horse battery",
                                           "new_password": "red flag village tea 2026"}, ok=204),
    # branches and groups: seen by their members, the floating members they host and their committee
    R("GET", "/branches", EVERYONE),  # each sees their own list: test_branch_list_is_scoped
    R("GET", "/branch-directory", {SA, SB, C, OC}, note="managers and committees"),
    R("GET", "/branches/{branch_a}", SEES_A),
    R("GET", "/branches/{branch_b}", SEES_B),
    R("GET", "/branches/{branch_a}/groups", SEES_A),
    R("POST", "/branches/{branch_a}/groups", {SA}, {"name": "第二党小组"}, ok=201),
    # members: the branch's managers and committee; the host branch sees its floating member
    R("GET", "/branches/{branch_a}/members", OVERSEES_A),
    R("GET", "/branches/{branch_b}/members", OVERSEES_B),
    R("POST", "/branches/{branch_a}/members", {SA}, {"name": "陈新", "status": "probationary"}, ok=201),
    R("GET", "/branches/{branch_a}/floating-members", OVERSEES_A),
    R("GET", "/members/{member}", {M, SA, C}),
    R("GET", "/members/{floating}", {F, SA, SB, C}),
    R("PATCH", "/members/{member}", {SA}, {"phone": "138 0013 8000"}),
    R("PATCH", "/members/{floating}", {SB}, {"phone": "139 0013 9000"}, note="managed by the home branch"),
    R("POST", "/members/{member}/floating", {SA}, {"host_branch_id": "{branch_b}", "starts_on": "2026-03-01"},
      ok=201),
    R("GET", "/members/{member}/floating", {M, SA, C}),
    R("GET", "/members/{floating}/floating", {F, SA, SB, C}, note="the home and the host branch"),
    R("POST", "/floating-memberships/{floating_membership}/end", {SA, SB}, {"ends_on": "2026-12-31"},
      setup=the_floating_membership, note="the host or the home branch"),
    # posts: the branch's managers and the committee appoint and end them
    R("GET", "/branches/{branch_a}/roles", SEES_A),
    R("POST", "/branches/{branch_a}/roles", {SA, C}, {"member_id": "{member}", "role": "organizer",
                                                     "starts_on": "2026-01-01"}, ok=201),
    R("POST", "/branches/{branch_a}/roles", {SA, C}, {"member_id": "{member}", "role": "secretary",
                                                     "starts_on": "2026-01-01"}, ok=201, note="the secretary's post"),
    R("POST", "/roles/{role_secretary_a}/end", {SA, C}, {"ends_on": "2026-06-30"}),
    # cards: the member's own, kept by the home branch
    R("GET", "/members/{member}/cards", {M, SA, C}),
    R("GET", "/members/{floating}/cards", {F, SB, C}),
    R("POST", "/members/{member2}/cards", {SA}, {}, ok=201),
    R("POST", "/cards/{card_member}/reissue", {SA}, {"reason": "手机丢失"}, ok=201),
    R("POST", "/cards/{card_member}/revoke", {SA}, {"reason": "证件作废"}),
    R("POST", "/cards/{card_floating}/reissue", {SB}, {"reason": "手机丢失"}, ok=201,
      note="the home branch's card"),
    R("GET", "/branches/{branch_a}/cards/sheet.pdf", {SA}),
    R("GET", "/members/{member}/card.pdf", {M, SA}, note="the member and the home branch's managers"),
    R("GET", "/members/{floating}/card.pdf", {F, SB}, note="not the host branch"),
    R("GET", "/me/card", {M, F}, denied=404, note="404 for those without a card"),
    # events: seen by the branch (and the floating members it hosts), run by its managers
    R("GET", "/branches/{branch_a}/events", SEES_A),
    R("GET", "/branches/{branch_b}/events", SEES_B),
    R("POST", "/branches/{branch_a}/events", {SA}, EVENT, ok=201),
    R("GET", "/events/{event_a}", SEES_A),
    R("PATCH", "/events/{event_a}", {SA}, {"place": "党群服务中心"}),
    R("POST", "/events/{event_a}/notice", {SA}, {"notice": "请全体党员准时参加。"}),
    R("POST", "/events/{event_a}/cancel", {SA}, {"reason": "台风预警，改期举行"}),
    # notices and notifications: members read what reaches them; the branch's managers see who read
    R("POST", "/events/{event_a}/notice/read", {M, F, SA}, ok=204, setup=notice_of_event_a,
      note="members who see the event"),
    R("GET", "/events/{event_a}/notice/reads", {SA}, setup=notice_of_event_a),
    R("GET", "/me/notifications", EVERYONE, setup=a_notification_for_member, note="each their own"),
    R("POST", "/me/notifications/{notification}/read", {M}, ok=204, denied=404, setup=a_notification_for_member,
      note="404 for everyone else's"),
    R("POST", "/me/notifications/read-all", EVERYONE, ok=204),
    R("GET", "/push/key", EVERYONE),
    R("POST", "/me/push-subscriptions", EVERYONE, PUSH_SUBSCRIPTION, ok=201),
    R("DELETE", "/me/push-subscriptions", EVERYONE, {"endpoint": PUSH_SUBSCRIPTION["endpoint"]}, ok=204),
    R("GET", "/events/{event_a}/attendance", OVERSEES_A),
    R("GET", "/events/{event_a}/scans", {SA}, note="only those who manage the event"),
    R("GET", "/events/{event_a}/scan-tallies", {SA}),
    R("GET", "/events/{event_a}/leave-requests", OVERSEES_A),
    R("POST", "/events/{event_a}/leave-requests", {M, F, SA}, {"reason": "外出务工"}, ok=201,
      note="A's members and the member floating to A"),
    R("POST", "/events/{event_b}/leave-requests", {SB}, {"reason": "外出务工"}, ok=201,
      note="B's members; not the member floating to A, who is expected there"),
    R("POST", "/leave-requests/{leave}/decision", {SA}, {"approve": True}, setup=member_asks_leave),
    R("POST", "/leave-requests/{leave}/decision", {SA}, {"approve": False, "reason": "须全体参加"},
      setup=member_asks_leave, note="refused, with a reason"),
    R("DELETE", "/leave-requests/{leave}", {M}, ok=204, setup=member_asks_leave, note="only the member who asked"),
    R("GET", "/me/leave-requests", EVERYONE, setup=member_asks_leave, note="each their own"),
    # records: one's own; the keeping branch; the member's home branch; the committee
    R("GET", "/records", EVERYONE),  # each sees their own list: test_record_list_is_scoped
    R("POST", "/branches/{branch_a}/records", {SA}, SERVICE, ok=201),
    R("GET", "/records/{record_member}", {M, SA, C}),
    R("GET", "/records/{record_floating_a}", {F, SA, SB, C}, note="kept by the host branch"),
    R("GET", "/records/{record_floating_home}", {F, SB, C}, note="kept by the home branch"),
    R("GET", "/records/{record_b}", OVERSEES_B),
    R("POST", "/records/{record_member}/acknowledge", {M}),
    R("POST", "/records/{record_floating_a}/acknowledge", {F}),
    R("POST", "/records/confirm", {SA}, {"record_ids": ["{record_member}", "{record_floating_a}"]},
      note="records kept by A"),
    R("POST", "/records/confirm", {SB}, {"record_ids": ["{record_floating_home}"]}, note="a record kept by B"),
    R("GET", "/records/{record_member}/corrections", {M, SA, C}),
    R("GET", "/records/{record_floating_home}/corrections", {F, SB, C}),
    R("POST", "/records/{record_member}/corrections", {SA}, {"reason": "标题有误", "changes": {"title": "党员大会（补记）"}},
      ok=201, setup=record_member_confirmed),
    # audit: the branch's managers and its committee
    R("GET", "/branches/{branch_a}/audit", OVERSEES_A),
    R("GET", "/branches/{branch_b}/audit", OVERSEES_B),
    R("GET", "/events/{event_a}/attendance.xlsx", OVERSEES_A),
    # minutes: written by the branch's managers, read by everyone who sees the event
    R("GET", "/events/{event_a}/minutes", SEES_A, setup=minutes_of_event_a),
    R("PUT", "/events/{event_a}/minutes", {SA}, {"text": "会议记录：传达学习上级精神。", "nonce": "matrix-nonce-1"}),
    R("POST", "/events/{event_a}/minutes/photos", {SA}, files={"photo_id": "matrix-photo-1", "file": (PNG, "m.png")},
      ok=201),
    R("GET", "/events/{event_a}/minutes/photos/{photo}", SEES_A, setup=a_minutes_photo),
    # filings with the superior committee: filed by the branch, decided by its committee
    R("GET", "/branches/{branch_a}/filings", OVERSEES_A),
    R("POST", "/branches/{branch_a}/filings", {SA}, {"kind": "other", "year": 2026, "title": "情况报告"}, ok=201),
    R("GET", "/filings/{filing}", OVERSEES_A, setup=a_filing),
    R("POST", "/filings/{filing}/decision", {C}, {"approve": True}, setup=a_filing),
    R("POST", "/filings/{filing}/refile", {SA}, {"body": "已补充材料"}, ok=201, setup=a_returned_filing),
    R("GET", "/committees/{committee_id}/filings", {C}),
    R("GET", f"/branches/{{branch_a}}/activity-day-plan?year={NEXT_YEAR}", SEES_A),
    R("POST", "/branches/{branch_a}/activity-day-plan", {SA}, {"year": NEXT_YEAR}),
    R("POST", "/branches/{branch_a}/activity-day-plan/filing", {SA}, {"year": NEXT_YEAR}, ok=201,
      setup=a_generated_plan),
    # rectification items: announced to the branch's members, kept by its managers
    R("GET", "/branches/{branch_a}/rectification-items", SEES_A),
    R("POST", "/branches/{branch_a}/rectification-items", {SA}, {"year": 2026, "problem": "联系群众不够"}, ok=201),
    R("PATCH", "/rectification-items/{item}", {SA}, {"progress": "已召开专题会"}, setup=a_rectification_item),
    R("POST", "/rectification-items/{item}/announce", {SA}, {"text": "整改已完成"}, setup=a_rectification_item),
    R("GET", "/events/{olm}/rectification-review", SEES_A, setup=an_org_life_meeting),
    # recruitment: the branch's managers and its committee; the committee records its own steps;
    # a member sees only their own road
    R("GET", "/branches/{branch_a}/recruitment", OVERSEES_A),
    R("POST", "/branches/{branch_a}/recruitment", {SA}, {"name": "陈新", "applied_on": "2026-01-05"}, ok=201),
    R("GET", "/recruitment/{case}", OVERSEES_A, setup=a_recruitment_case),
    R("PATCH", "/recruitment/{case}", {SA}, {"phone": "138 0013 8000"}, setup=a_recruitment_case),
    R("POST", "/recruitment/{case}/steps", {SA}, {"kind": "talk", "on": "2026-01-20"}, ok=201,
      setup=a_recruitment_case, note="a branch step"),
    R("POST", "/recruitment/{case}/steps", {C}, {"kind": "pre_review", "on": "2025-06-10"}, ok=201,
      setup=lambda world: a_recruitment_case(world, "reviewed"), note="the committee's step"),
    R("POST", "/recruitment/{case}/assessments", {SA}, {"on": "2026-03-10", "note": "表现良好"}, ok=201,
      setup=lambda world: a_recruitment_case(world, "activist")),
    R("POST", "/recruitment/{case}/contacts", {SA}, {"member_ids": ["{member}"], "on": "2026-03-01"}, ok=201,
      setup=lambda world: a_recruitment_case(world, "activist")),
    R("GET", "/committees/{committee_id}/recruitment", {C}),
    R("GET", "/me/recruitment", EVERYONE, note="each their own"),
    # dues: the home branch's managers record and read, its committee reads and confirms remittances;
    # a member sees their own, and the tables their branch published
    R("GET", "/branches/{branch_a}/dues", OVERSEES_A),
    R("GET", "/branches/{branch_a}/dues/arrears", OVERSEES_A),
    R("GET", "/branches/{branch_a}/dues/payments", OVERSEES_A),
    R("POST", "/branches/{branch_a}/dues/payments", {SA}, {"member_id": "{member}", "months": [THIS_MONTH],
                                                          "amount_fen": 100}, ok=201, setup=a_dues_basis),
    R("GET", "/dues-payments/{payment}", {M, SA, C}, setup=a_dues_payment, note="the member's own"),
    R("POST", "/dues-payments/{payment}/corrections", {SA}, {"reason": "金额记错", "changes": {"amount_fen": 200}},
      ok=201, setup=a_dues_payment),
    R("GET", "/members/{member}/dues", {M, SA, C}),
    R("GET", "/members/{floating}/dues", {F, SB, C}, note="the home branch's, not the host's"),
    R("POST", "/members/{member}/dues/bases", {SA}, {"category": "rural", "effective_from": THIS_MONTH}, ok=201),
    R("GET", "/me/dues", {M, F, SA, SB}, denied=404, note="members only"),
    R("GET", "/branches/{branch_a}/dues/remittances", OVERSEES_A),
    R("POST", "/branches/{branch_a}/dues/remittances", {SA}, {"first_month": THIS_MONTH, "last_month": THIS_MONTH,
                                                             "amount_fen": 100, "remitted_on": f"{clock.today()}"},
      ok=201, setup=a_dues_payment),
    R("POST", "/dues-remittances/{remittance}/confirm", {C}, {}, setup=a_dues_remittance),
    R("GET", "/committees/{committee_id}/dues/remittances", {C}),
    R("GET", "/branches/{branch_a}/dues/publications", {M, SA, C}, note="the branch's own members"),
    R("POST", "/branches/{branch_a}/dues/publications", {SA}, {"year": clock.today().year, "mode": "totals"}, ok=201),
    R("GET", "/branches/{branch_a}/dues/ledger.xlsx", OVERSEES_A),
    # democratic evaluation: run by the branch's managers, read and reviewed by its committee; a member
    # writes and reads their own sheet and draws their own ballot; a ballot is cast with no login (PUBLIC)
    R("GET", "/branches/{branch_a}/evaluations", OVERSEES_A),
    R("POST", "/branches/{branch_a}/evaluations", {SA}, {"year": NEXT_YEAR}, ok=201),
    R("GET", "/evaluations/{evaluation}", OVERSEES_A, setup=an_evaluation("self_assessment")),
    R("PATCH", "/evaluations/{evaluation}", {SA}, {"title": "民主评议党员"}, setup=an_evaluation("self_assessment")),
    R("POST", "/evaluations/{evaluation}/stage", {SA}, {"stage": "balloting"}, setup=an_evaluation("peer_assessment")),
    R("GET", "/evaluations/{evaluation}/members/{member}", {M, SA, C}, setup=an_evaluation("self_assessment"),
      note="the member's own sheet"),
    R("PUT", "/evaluations/{evaluation}/members/{member}/self-assessment", {M, SA},
      {"text": "认真学习，按时参加组织生活。", "nonce": "matrix-nonce-1"}, setup=an_evaluation("self_assessment"),
      note="the member, or the secretary on their behalf"),
    R("PUT", "/evaluations/{evaluation}/members/{member}/grade", {SA}, {"grade": "excellent"},
      setup=an_evaluation("grading")),
    R("PUT", "/evaluations/{evaluation}/members/{member}/handling", {SA},
      {"kind": "deadline_improvement", "improve_by": "{improve_by}"}, setup=an_evaluation("grading", unqualified=True)),
    R("PUT", "/evaluations/{evaluation}/members/{member}/feedback", {SA}, {"text": "继续发挥先锋模范作用。"},
      setup=an_evaluation("feedback")),
    R("POST", "/evaluations/{evaluation}/members/{member}/paper-form", {SA}, setup=an_evaluation("balloting")),
    R("POST", "/evaluations/{evaluation}/ballot-signature", {M, SA}, {"blinded": "{blinded}"},
      setup=an_evaluation("balloting"), note="members on the roll (A's own, not the floating guest)"),
    R("POST", "/evaluations/{evaluation}/guest-tokens", {SA}, {"count": 1}, ok=201, setup=an_evaluation("balloting")),
    R("POST", "/evaluations/{evaluation}/paper-forms", {SA}, {"count": 1}, ok=201, setup=an_evaluation("balloting")),
    R("GET", "/evaluations/{evaluation}/paper-entries", {SA}, setup=an_evaluation("balloting"), note="the tellers"),
    R("POST", "/evaluations/{evaluation}/paper-entries", {SA}, {"code": "{code}", "marks": [
        {"member_id": "{member}", "grade": "qualified"}]}, ok=201, setup=an_evaluation("balloting", discard=True)),
    R("POST", "/evaluations/{evaluation}/paper-entries/{entry}/confirm", {SA}, {"code": "{code}"}, ok=204,
      setup=an_evaluation("balloting"), note="a second teller"),
    R("DELETE", "/evaluations/{evaluation}/paper-entries/{entry}", {SA}, ok=204, setup=an_evaluation("balloting")),
    R("GET", "/evaluations/{evaluation}/tally", OVERSEES_A, setup=an_evaluation("grading")),
    R("GET", "/evaluations/{evaluation}/results.xlsx", OVERSEES_A, setup=an_evaluation("grading")),
    R("POST", "/evaluations/{evaluation}/review", {C}, {"approve": True}, setup=an_evaluation("review")),
    R("GET", "/committees/{committee_id}/evaluations", {C}),
    R("GET", "/me/evaluations", EVERYONE, note="each their own"),
    # the org-life meeting: run by the branch's managers, read by its committee; each member writes
    # their own party-spirit analysis, which only the branch's managers read
    R("GET", "/branches/{branch_a}/org-life-meetings", OVERSEES_A),
    R("POST", "/branches/{branch_a}/org-life-meetings", {SA}, {"year": "{year}", "event_id": "{olm_event}"}, ok=201,
      setup=an_org_life_event),
    R("GET", "/org-life-meetings/{meeting}", OVERSEES_A, setup=an_org_life_meeting_prepared),
    R("PATCH", "/org-life-meetings/{meeting}", {SA}, {"problems": ["联系群众不够经常"]}, setup=an_org_life_meeting_prepared),
    R("POST", "/org-life-meetings/{meeting}/studies", {SA}, {"event_id": "{lecture}"}, ok=201,
      setup=an_org_life_meeting_prepared),
    R("DELETE", "/org-life-meetings/{meeting}/studies/{linked}", {SA}, setup=an_org_life_meeting_prepared),
    R("POST", "/org-life-meetings/{meeting}/opinions", {SA},
      {"method": "interview", "held_on": f"{clock.today()}", "summary": "个别访谈"}, ok=201,
      setup=an_org_life_meeting_prepared),
    R("DELETE", "/org-life-opinions/{opinion}", {SA}, setup=an_org_life_meeting_prepared),
    R("POST", "/org-life-meetings/{meeting}/talks", {SA},
      {"member_a_id": "{member}", "member_b_id": "{member2}", "held_on": f"{clock.today()}"}, ok=201,
      setup=an_org_life_meeting_prepared),
    R("DELETE", "/org-life-talks/{talk}", {SA}, setup=an_org_life_meeting_prepared),
    R("GET", "/org-life-meetings/{meeting}/analyses", {SA}, setup=an_org_life_meeting_prepared),
    R("PUT", "/org-life-meetings/{meeting}/analyses/mine", {M, SA},
      {"text": "对照党章查找差距，理论学习不够深入。", "nonce": "matrix-olm-nonce"}, setup=an_org_life_meeting_prepared,
      note="A's members, each their own"),
    R("POST", "/org-life-meetings/{meeting}/analyses/{member2}/paper", {SA}, ok=201, setup=an_org_life_meeting_prepared),
    R("PUT", "/org-life-meetings/{meeting}/reviews/{last_item}", {SA}, {"status": "done"},
      setup=an_org_life_meeting_prepared),
    R("PUT", "/org-life-meetings/{meeting}/criticisms/{member}", {SA},
      {"self_criticism": "学习不够深入", "criticism_received": "希望多走访群众"}, setup=an_org_life_meeting_prepared),
    R("GET", "/committees/{committee_id}/org-life-meetings", {C}),
    R("GET", "/me/org-life", EVERYONE, note="each their own"),
    # compliance: the branch's managers and its committee
    R("GET", "/branches/{branch_a}/compliance", OVERSEES_A),
    R("GET", "/branches/{branch_a}/compliance.xlsx", OVERSEES_A),
    R("GET", "/committees/{committee_id}/compliance", {C}),
    R("GET", "/committees/{committee_id}/compliance.xlsx", {C}),
    # the holiday calendar: read by anyone; official schedules loaded by top-level committees
    R("GET", "/calendar/status", EVERYONE),
    R("GET", f"/calendar/years/{NEXT_YEAR}", EVERYONE),
    R("PUT", f"/calendar/years/{NEXT_YEAR}", {C, OC},
      {"days": [{"date": f"{NEXT_YEAR}-10-01", "kind": "rest", "name": "国庆节"}]}, note="both committees are top-level"),
    R("DELETE", f"/calendar/years/{NEXT_YEAR}", {C, OC}, ok=204, setup=a_loaded_schedule),
    R("GET", "/me/calendar-feed", {M, F, SA, SB}, setup=members_calendar_feeds, note="members only"),
    R("POST", "/me/calendar-feed", {M, F, SA, SB}, ok=201, note="members only"),
    # sync: anyone logged in; what each may see and do is decided per item (tests/server/test_sync_*)
    R("POST", "/sync/push", EVERYONE, PUSH),
    R("GET", f"/sync/pull?protocol_version={PROTOCOL_VERSION}", EVERYONE),
    # education and service: posts run by the branch's managers, read by its committee; each member
    # submits and reads their own study and service records; the branch refuses them
    R("GET", "/branches/{branch_a}/service-posts", OVERSEES_A),
    R("POST", "/branches/{branch_a}/service-posts", {SA}, {"kind": "vanguard_post", "title": "先锋岗",
                                                          "cadence": "quarter"}, ok=201),
    R("PATCH", "/service-posts/{service_post}", {SA}, {"title": "村西片区"}, setup=a_service_post),
    R("POST", "/service-posts/{service_post}/end", {SA}, {}, setup=a_service_post),
    R("POST", "/service-posts/{service_post}/assignments", {SA}, {"member_id": "{member2}"}, ok=201,
      setup=a_service_post),
    R("POST", "/service-assignments/{service_assignment}/end", {SA}, {}, setup=a_service_post),
    R("GET", "/me/service", {M, F, SA, SB}, note="members only, each their own"),
    R("POST", "/me/service-records", {M, F, SA, SB}, files=OWN_RECORD, ok=201, note="members only, each their own"),
    R("GET", "/records/{own_record}/photo", {M, SA, C}, setup=a_service_post),
    R("POST", "/records/{own_record}/refuse", {SA}, {"reason": "与实际不符"}, setup=a_service_post),
    # points (积分考核): the scheme is read by the branch and its committee and set by its managers; a
    # period's points only by its managers (the committee sees LOG-points, never points); each member their own
    R("GET", "/branches/{branch_a}/points/scheme", SEES_A),
    R("PUT", "/branches/{branch_a}/points/scheme", {SA}, {"publish_every": "quarter", "absence_deduction": 2, "rules": [
        {"key": "record:study", "title": "学习", "points": 1, "cap_per_period": 10}]}),
    R("POST", "/branches/{branch_a}/points/scheme/suggested", {SA}, ok=201),
    R("GET", "/branches/{branch_a}/points/periods", {SA}),
    R("GET", "/branches/{branch_a}/points/periods/" + LAST_QUARTER, {SA}, setup=a_points_scheme),
    R("POST", "/branches/{branch_a}/points/periods/" + LAST_QUARTER + "/publish", {SA}, ok=201, setup=a_points_scheme),
    R("GET", "/me/points", {M, F, SA, SB}, denied=404, note="members only, each their own"),
    # featured systems (X): the catalogue for anyone; a branch's adoptions seen by the branch (and
    # the floating members it hosts) and its committee, adopted and dropped by its managers; the
    # rulebook and poster for the branch's own members, its managers and its committee
    R("GET", "/featured-templates", EVERYONE),
    R("GET", "/branches/{branch_a}/featured-systems", SEES_A),
    R("POST", "/branches/{branch_a}/featured-systems", {SA}, {"template_code": "village-remote-study"}, ok=201),
    R("POST", "/branches/{branch_a}/featured-systems/village-affairs-disclosure/drop", {SA}, setup=a_featured_system),
    R("POST", "/branches/{branch_a}/featured-systems/village-affairs-disclosure/plan", {SA}, {"year": NEXT_YEAR},
      setup=a_featured_system),
    R("GET", "/branches/{branch_a}/rulebook.pdf", {M, SA, C}, note="the branch's own members"),
    R("GET", "/branches/{branch_a}/poster.pdf", {M, SA, C}, note="the branch's own members"),
    # archive (党员手册): the member, their HOME branch's managers and its committee; not the host
    # branch of a floating member; the branch's zip for its managers and its committee
    R("GET", "/members/{member}/archive", {M, SA, C}),
    R("GET", "/members/{floating}/archive?year=2026", {F, SB, C}, note="home branch, not the host"),
    R("GET", "/members/{member}/archive.pdf", {M, SA, C}),
    R("GET", "/members/{floating}/archive.pdf", {F, SB, C}, note="home branch, not the host"),
    R("GET", "/branches/{branch_a}/archives.zip", OVERSEES_A),
    # corrections (整改通知): sent and decided by the committee over the branch, answered by its managers
    R("GET", "/committees/{committee_id}/correction-requests", {C}),
    R("POST", "/committees/{committee_id}/correction-requests", {C},
      {"branch_id": "{branch_a}", "finding": "党员档案未及时更新", "deadline": f"{NEXT_YEAR}-06-30"}, ok=201),
    R("GET", "/branches/{branch_a}/correction-requests", OVERSEES_A),
    R("GET", "/correction-requests/{correction}", OVERSEES_A, setup=a_correction_request),
    R("POST", "/correction-requests/{correction}/answers", {SA}, {"text": "已补开党小组会"}, ok=201,
      setup=a_correction_request),
    R("POST", "/correction-requests/{correction}/decision", {C}, {"accept": True}, setup=an_answered_correction),
    R("POST", "/correction-requests/{correction}/attachments", OVERSEES_A, files={"file": (PNG, "a.png")}, ok=201,
      setup=an_answered_correction, note="the branch to its answer"),
    R("GET", "/correction-requests/{correction}/attachments/{correction_attachment}", OVERSEES_A,
      setup=a_correction_attachment),
    # holiday schedule (loading it from the PWA): the preview, as PUT, for top-level committees only
    R("POST", f"/calendar/years/{NEXT_YEAR}/preview", {C, OC},
      {"csv": f"{NEXT_YEAR}-10-01,休,国庆节"}, note="changes nothing; both committees are top-level"),
    # secretary review (述职评议): written and submitted by the branch's secretary, read by its
    # managers and its committee, graded or returned by the committee
    R("GET", f"/branches/{{branch_a}}/secretary-reviews/{REVIEW_YEAR}", OVERSEES_A),
    R("PUT", f"/branches/{{branch_a}}/secretary-reviews/{REVIEW_YEAR}", {SA}, {"sections": REVIEW_TEXT}),
    R("POST", f"/branches/{{branch_a}}/secretary-reviews/{REVIEW_YEAR}/submit", {SA}, setup=a_secretary_review),
    R("POST", f"/branches/{{branch_a}}/secretary-reviews/{REVIEW_YEAR}/grade", {C}, {"grade": "good"},
      setup=a_submitted_secretary_review),
    R("POST", f"/branches/{{branch_a}}/secretary-reviews/{REVIEW_YEAR}/return", {C}, {"reason": "请补充"},
      setup=a_submitted_secretary_review),
    R("GET", f"/branches/{{branch_a}}/secretary-reviews/{REVIEW_YEAR}.pdf", OVERSEES_A, setup=a_secretary_review),
    R("GET", f"/branches/{{branch_a}}/secretary-reviews/{REVIEW_YEAR}.docx", OVERSEES_A, setup=a_secretary_review),
    R("GET", "/committees/{committee_id}/secretary-reviews", {C}),
    # exports (spreadsheets a branch office files): the branch's managers and its committee
    R("GET", "/branches/{branch_a}/roster.xlsx", OVERSEES_A),
    R("GET", "/branches/{branch_a}/attendance.xlsx?year=2026&quarter=4", OVERSEES_A),
    R("GET", "/branches/{branch_a}/archives.xlsx", OVERSEES_A),
    # imports (server/imports): committees (into their subtree) and branch managers (their own branch);
    # a roster with headers and no rows is clean for each of them and changes nothing
    R("GET", "/imports/template", {SA, SB, C, OC}),
    R("POST", "/imports/check", {SA, SB, C, OC}, files={"file": (EMPTY_ROSTER, "r.xlsx")}),
    R("POST", "/imports", {SA, SB, C, OC}, files={"file": (EMPTY_ROSTER, "r.xlsx")}, ok=201),
]

# Served to anyone: the document, the login, and the calendar file whose URL's token is its credential.
PUBLIC = {("GET", f"{API}/openapi.json"), ("POST", f"{API}/auth/login"), ("GET", f"{API}/calendar/<string:token>.ics"),
          # An assessment form (民主测评表) is cast with no login: its token is the authority
          # (tests/server/test_evaluation_api.py, test_evaluation_anonymity.py).
          ("POST", f"{API}/ballots"), ("POST", f"{API}/ballots/form")}



CELLS = [pytest.param(row, role, id=f"{row.id}-{role}") for row in MATRIX for role in ROLES]


@pytest.fixture
def cell(shared_world):
    """One cell: the module's shared world, everything the cell does rolled back at its end."""
    with rolled_back(shared_world.app):
        yield shared_world


# The module's other tests use the same shared world, each in a rolled-back cell of its own.
@pytest.fixture
def app(cell):
    return cell.app


@pytest.fixture
def world(cell):
    return cell.world


@pytest.fixture
def client(cell):
    return cell.app.test_client()


@pytest.fixture
def auth(cell):
    return cell


@pytest.mark.parametrize(("row", "role"), CELLS)
def test_access(cell, row, role):
    app, client, world = cell.app, cell.app.test_client(), cell.world
    ids = dataclasses.asdict(world)
    if row.setup:
        with app.app_context():
            ids |= row.setup(world)
    headers = {}
    if role != GUEST:
        headers = {"Authorization": f"Bearer {cell.auth.tokens(role)[row.token]}"}
    response = send(client, row, headers, ids)
    if role == GUEST:
        expected = 401
    elif role in row.allowed:
        expected = row.ok
    else:
        expected = row.denied
    assert response.status_code == expected, f"{role} {row.id}: {response.status_code} {response.get_data()[:500]!r}"
    if expected >= 400:
        assert response.json["code"] == expected and response.json["message"], response.json


def test_a_cell_leaves_nothing_behind(shared_world):
    """The rollback is real: what a cell wrote (a group here) is gone for the next cell."""
    import sqlalchemy as sa

    from server.core.db import db
    from server.org.models import Group

    matrix = shared_world

    def groups():
        with matrix.app.app_context():
            return db.session.scalar(sa.select(sa.func.count()).select_from(Group))

    before = groups()
    with rolled_back(matrix.app):
        created = matrix.app.test_client().post(f"{API}/branches/{matrix.world.branch_a}/groups",
                                                json={"name": "临时小组"}, headers=matrix.headers(SA))
        assert created.status_code == 201 and groups() == before + 1
    assert groups() == before


def test_the_matrix_covers_every_endpoint(app, world):
    """A new endpoint fails here until it has a row (and so a decision on who may call it)."""
    ids = dataclasses.asdict(world) | dict.fromkeys(("leave", "filing", "item", "olm", "photo", "floating_membership", "notification", "case", "payment", "remittance", "evaluation", "entry", "meeting", "linked", "opinion", "talk", "last_item", "service_post", "service_assignment", "own_record", "correction", "correction_attachment"), 1)
    adapter = app.url_map.bind("localhost")
    covered = set()
    for row in MATRIX:
        rule, _ = adapter.match(API + fill(row.url, ids).partition("?")[0], method=row.method, return_rule=True)
        covered.add((row.method, rule.rule))
    endpoints = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(f"{API}/") and not rule.rule.startswith(f"{API}/docs")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    } - PUBLIC
    assert covered == endpoints, {"without a row": endpoints - covered, "not an endpoint": covered - endpoints}


def test_matrix_rows_are_well_formed():
    for row in MATRIX:
        assert row.allowed <= set(USERS), row.id
        assert 200 <= row.ok < 300, row.id


# --- lists: everyone may call them, each sees their own part --------------------------------------

@pytest.mark.parametrize("role", USERS)
def test_record_list_is_scoped(client, world, auth, role):
    w = world
    expected = {
        M: {w.record_member},
        F: {w.record_floating_a, w.record_floating_home},
        SA: {w.record_member, w.record_floating_a},  # not the floating member's home-kept record
        SB: {w.record_b, w.record_floating_a, w.record_floating_home},  # all of its floating member's
        C: {w.record_member, w.record_floating_a, w.record_floating_home, w.record_b},
        OC: set(),
    }[role]
    response = client.get(f"{API}/records?page_size=100", headers=auth.headers(role))
    assert response.status_code == 200
    assert {r["id"] for r in response.json} == expected


@pytest.mark.parametrize("role", USERS)
def test_branch_list_is_scoped(app, client, world, auth, role):
    from server.core.db import db
    from server.org.models import Branch

    with app.app_context():
        third = db.session.scalar(sa.select(Branch.id).where(Branch.id.not_in([world.branch_a, world.branch_b])))
    expected = {
        M: {world.branch_a},
        F: {world.branch_a, world.branch_b},
        SA: {world.branch_a},
        SB: {world.branch_b},
        C: {world.branch_a, world.branch_b},
        OC: {third},
    }[role]
    response = client.get(f"{API}/branches", headers=auth.headers(role))
    assert response.status_code == 200
    assert {b["id"] for b in response.json} == expected


def test_host_branch_lists_its_floating_member_and_home_branch_does_not_list_them_as_hosted(client, world, auth):
    hosted = client.get(f"{API}/branches/{world.branch_a}/floating-members", headers=auth.headers(SA))
    assert [m["id"] for m in hosted.json] == [world.floating]
    home = client.get(f"{API}/branches/{world.branch_b}/members", headers=auth.headers(SB))
    assert world.floating in {m["id"] for m in home.json}
    assert client.get(f"{API}/branches/{world.branch_b}/floating-members", headers=auth.headers(SB)).json == []


def test_own_leave_requests_are_each_ones_own(app, client, world, auth):
    with app.app_context():
        leave = member_asks_leave(world)["leave"]
    assert [r["id"] for r in client.get(f"{API}/me/leave-requests", headers=auth.headers(M)).json] == [leave]
    for role in (F, SA, C):
        assert client.get(f"{API}/me/leave-requests", headers=auth.headers(role)).json == []
