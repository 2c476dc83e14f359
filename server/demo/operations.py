"""Demo data: a township committee with three branches (one per sector) and a season of events,
under a county's organization department that also oversees a second, newly onboarded township.

`load_demo()` builds it through the real operations (members, roles, cards, events...), only
flushes (the caller commits) and is idempotent: when the demo committee exists it changes
nothing. Everything is deterministic (a seeded random generator) except "today": the season runs
from three calendar months back to two ahead, so the demo always has past and upcoming events.
Times are stored in UTC and chosen as sensible local times in China (UTC+8, no daylight saving).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import random

import sqlalchemy as sa

from server.audit.operations import log_action
from server.auth.models import User
from server.auth.operations import create_user
from server.calendar.operations import current_calendar
from server.cards.operations import issue_card
from server.core.db import db
from server.archive import demo as archive_demo
from server.corrections import demo as corrections_demo
from server.dues import demo as dues_demo
from server.evaluation import demo as evaluation_demo
from server.featured import demo as featured_demo
from server.core.enums import (
    BranchRoleKind,
    CardKind,
    CheckinMethod,
    DuesCategory,
    EventKind,
    EventStatus,
    FilingKind,
    LeaveStatus,
    MemberStatus,
    RecordKind,
    Sector,
)
from server.events.models import Event, LeaveRequest
from server.events.operations import create_event
from server.filings.models import RectificationItem
from server.filings.operations import submit_filing
from server.minutes.models import Minutes
from server.org import operations as org
from server.org.models import Branch, Committee, Member
from server.records.models import Record
from server.org_life import demo as org_life_demo
from server.points import demo as points_demo
from server.recruitment import demo as recruitment_demo
from server.secretary_review import demo as secretary_review_demo
from server.service import demo as service_demo
from sync import clock
from sync.clock import CHINA

DEMO_PASSWORD = "zhibu-demo"
COMMITTEE_NAME = "城关镇党委"
COMMITTEE_USERNAME = "chengguan"
# The committee tree (docs/decisions.md, committee tree): the county over 城关镇 and a second township
# whose one small branch registered three weeks ago and has held nothing yet.
COUNTY_NAME = "青山县委组织部"
COUNTY_USERNAME = "qingshan"
TOWNSHIP2_NAME = "柳林镇党委"
TOWNSHIP2_USERNAME = "liulin"
ONBOARDED_DAYS_AGO = 21
SEED = 20240801

# Posts that sit on the branch committee (and so attend its monthly meeting).
COMMITTEE_POSTS = frozenset({
    BranchRoleKind.secretary, BranchRoleKind.deputy_secretary, BranchRoleKind.organizer,
    BranchRoleKind.propaganda, BranchRoleKind.discipline, BranchRoleKind.committee_member,
})


@dataclasses.dataclass(frozen=True)
class DemoMember:
    name: str
    username: str
    group: int | None  # index into the branch's groups
    dues: DuesCategory = DuesCategory.employed
    income: int = 0  # monthly income after tax, yuan (employed and retired members)
    status: MemberStatus = MemberStatus.full
    roles: tuple[BranchRoleKind, ...] = ()
    floats_to: str | None = None  # key of the host branch
    floating_note: str | None = None
    floating_days: tuple[int, int | None] = (0, None)  # (started days ago, ends in days)
    printed_card: bool = False  # no smartphone: the secretary scans their printed card


@dataclasses.dataclass(frozen=True)
class DemoBranch:
    key: str
    name: str
    sector: Sector
    groups: tuple[str, str]
    place: str
    group_places: tuple[str, str]
    members: tuple[DemoMember, ...]


S, O, P, GL = BranchRoleKind.secretary, BranchRoleKind.organizer, BranchRoleKind.propaganda, BranchRoleKind.group_leader
E, R, V = DuesCategory.employed, DuesCategory.retired, DuesCategory.rural
PROB = MemberStatus.probationary

BRANCHES = (
    DemoBranch(
        "hongqi", "红旗村党支部", Sector.village, ("第一党小组", "第二党小组"),
        "红旗村党群服务中心会议室", ("红旗村一组议事点", "红旗村二组议事点"),
        (
            DemoMember("王建国", "hongqi_shuji", 0, E, 4200, roles=(S,)),
            DemoMember("李秀英", "hongqi_zuzhi", 1, V, roles=(O,)),
            DemoMember("刘建军", "liujianjun", 0, V, roles=(P, GL)),
            DemoMember("陈玉梅", "chenyumei", 1, V, roles=(GL,)),
            DemoMember("李明", "liming", 0, V),
            DemoMember("王芳", "wangfang", 0, V, status=PROB),
            DemoMember("张桂兰", "zhangguilan", 1, R, 2800, printed_card=True),
            DemoMember("杨志强", "yangzhiqiang", 1, DuesCategory.unemployed),
            DemoMember("周福生", "zhoufusheng", 1, DuesCategory.exempt, printed_card=True),
            DemoMember("赵磊", "zhaolei", None, E, 6000, floats_to="xinghuo",
                       floating_note="在星火科技有限公司务工，组织关系在红旗村", floating_days=(420, None)),
        ),
    ),
    DemoBranch(
        "caizheng", "县财政局机关党支部", Sector.agency, ("预算国库党小组", "综合党小组"),
        "县财政局四楼会议室", ("县财政局三楼小会议室", "县财政局二楼党员活动室"),
        (
            DemoMember("周海波", "caizheng_shuji", 0, E, 7800, roles=(S,)),
            DemoMember("吴晓燕", "wuxiaoyan", 1, E, 6500, roles=(O,)),
            DemoMember("郑伟", "zhengwei", 0, E, 6200, roles=(P,)),
            DemoMember("孙丽娟", "sunlijuan", 0, E, 5400, roles=(GL,)),
            DemoMember("马俊", "majun", 1, E, 5800, roles=(GL,)),
            DemoMember("胡静", "hujing", 1, E, 4300, status=PROB),
            DemoMember("朱文斌", "zhuwenbin", 1, R, 6100),
            DemoMember("郭敏", "guomin", 0, E, 4800),
            DemoMember("何晓东", "hexiaodong", 1, E, 2900),
            DemoMember("林涛", "lintao", None, E, 6900, floats_to="hongqi",
                       floating_note="派驻红旗村开展驻村帮扶工作", floating_days=(200, 165)),
        ),
    ),
    DemoBranch(
        "xinghuo", "星火科技有限公司党支部", Sector.enterprise, ("研发党小组", "生产党小组"),
        "星火科技党员活动室", ("研发中心会议室", "生产车间会议室"),
        (
            DemoMember("徐志刚", "xinghuo_shuji", 0, E, 12000, roles=(S,)),
            DemoMember("高雪", "gaoxue", 0, E, 9000, roles=(O,)),
            DemoMember("罗斌", "luobin", 0, E, 11000, roles=(P, GL)),
            DemoMember("宋涛", "songtao", 1, E, 6300, roles=(GL,)),
            DemoMember("梁燕", "liangyan", 1, E, 5200, status=PROB),
            DemoMember("谢晓峰", "xiexiaofeng", 0, E, 15000),
            DemoMember("韩梅", "hanmei", 1, E, 4600),
            DemoMember("唐亮", "tangliang", 1, E, 5600),
            DemoMember("冯磊", "fenglei", 0, DuesCategory.branch_set),
            DemoMember("陈静", "chenjing", None, E, 5000, floats_to="hongqi",
                       floating_note="在红旗村负责公司电商助农项目", floating_days=(300, None)),
        ),
    ),
)

# The second township's branch (not in BRANCHES: the features' demos do not reach it, it is new).
TOWNSHIP2_BRANCHES = (
    DemoBranch(
        "liulincun", "柳林村党支部", Sector.village, ("第一党小组", "第二党小组"),
        "柳林村党群服务中心", ("柳林村一组", "柳林村二组"),
        (
            DemoMember("钱国庆", "liulincun_shuji", 0, V, roles=(S,)),
            DemoMember("孙红霞", "liulincun_zuzhi", 1, V, roles=(O,)),
            DemoMember("郑大勇", "zhengdayong", 0, V),
        ),
    ),
)

# What `flask demo` and `flask serve` print: who to log in as, in Chinese and English.
DEMO_LOGINS: list[tuple[str, str]] = [
    ("hongqi_shuji", "红旗村党支部书记 / secretary, Hongqi village branch"),
    ("caizheng_shuji", "县财政局机关党支部书记 / secretary, county finance bureau branch"),
    ("xinghuo_shuji", "星火科技有限公司党支部书记 / secretary, Xinghuo Technology company branch"),
    ("hongqi_zuzhi", "红旗村党支部组织委员 / organizer, Hongqi village branch"),
    ("liming", "红旗村党员 李明 / member, Hongqi village branch"),
    ("wangfang", "红旗村预备党员 王芳 / probationary member, Hongqi village branch"),
    ("zhaolei", "流动党员 赵磊（红旗村→星火科技）/ floating member, Hongqi → Xinghuo"),
    (COMMITTEE_USERNAME, "城关镇党委账号 / township committee account, oversees all three branches"),
    (COUNTY_USERNAME, "青山县委组织部账号 / county account, oversees both townships and their branches"),
]

ACTIVITY_THEMES = {
    Sector.village: ("重温入党誓词，学习党章党规", "人居环境整治志愿服务", "民主议事：村集体经济发展项目",
                     "走访慰问困难群众", "党务村务公开日", "远程教育集中学习"),
    Sector.agency: ("重温入党誓词，学习党章党规", "到社区报到，参加志愿服务", "亮身份、树形象主题实践",
                    "结对帮扶红旗村", "廉政警示教育", "业务知识和政策法规学习"),
    Sector.enterprise: ("重温入党誓词，学习党章党规", "党员先锋岗交流", "安全生产责任区巡查",
                        "结对共建：电商助农", "党员志愿服务进社区", "技术攻关经验分享"),
}
LECTURE_TOPICS = ("坚定理想信念，践行初心使命", "发扬优良作风，密切联系群众",
                  "严守纪律规矩，锤炼党性修养", "立足岗位作贡献，争当先锋模范")
LEAVE_REASONS = ("外出务工，无法返回", "家中老人住院陪护", "出差在外", "身体不适", "单位值班")
SERVICE_RECORDS = {
    "liming": ("志愿服务：村道环境整治", "参加村里组织的村道清扫和垃圾分类宣传，约3小时。"),
    "chenyumei": ("结对帮扶：走访困难户", "走访两户困难群众，帮助联系农技员解决果树病虫害问题。"),
    "guomin": ("到社区报到：志愿服务", "到居住地社区报到，参加周末文明劝导志愿服务。"),
    "sunlijuan": ("政策宣讲：惠农补贴政策", "到红旗村宣讲惠农补贴资金发放政策，解答群众咨询。"),
    "luobin": ("党员先锋岗：技术攻关", "带领研发小组完成关键部件国产化替代，缩短交付周期两周。"),
    "hanmei": ("志愿服务：敬老院慰问", "参加公司组织的敬老院慰问活动，为老人理发、打扫卫生。"),
}


# A realistic compliance picture (see docs/compliance.md): Xinghuo's production group skipped last
# month's group meeting; the finance bureau sent last month's activity-day notice only two days
# ahead and filed its activity-day plan late; Hongqi has not written up its latest committee meeting.
MISSED_GROUP_MEETING = ("xinghuo", 1)  # branch, index of the group
LATE_NOTICE_BRANCH = "caizheng"
NOTICED_KINDS = (EventKind.activity_day, EventKind.general_assembly, EventKind.party_lecture,
                 EventKind.evaluation_meeting, EventKind.org_life_meeting)
OLM_THEME = "学思想、强党性、重实践、建新功，查找差距不足，明确整改措施"
RECTIFICATION_ITEMS = (
    ("联系服务群众不够经常，走访困难群众次数偏少", "支委成员每月至少走访2户困难群众，建立走访台账", True),
    ("党员学习教育方式单一，老党员参学不便", "为行动不便的老党员送学上门，每季度至少一次", False),
)


def demo_loaded() -> bool:
    return db.session.scalar(sa.select(Committee.id).where(Committee.name == COMMITTEE_NAME)) is not None


def load_demo() -> tuple[bool, list[tuple[str, str]]]:
    """Create the demo data unless it exists; returns (created?, logins). Only flushes."""
    if demo_loaded():
        return False, list(DEMO_LOGINS)
    usernames = [COMMITTEE_USERNAME, COUNTY_USERNAME, TOWNSHIP2_USERNAME] + [
        m.username for b in BRANCHES + TOWNSHIP2_BRANCHES for m in b.members]
    taken = db.session.scalars(sa.select(User.username).where(User.username.in_(usernames))).all()
    if taken:
        raise ValueError(f"Cannot load the demo: these usernames are already taken: {', '.join(sorted(taken))}.")
    _Builder(random.Random(SEED), clock.now().replace(microsecond=0)).build()
    db.session.flush()
    return True, list(DEMO_LOGINS)


# --- calendar helpers -------------------------------------------------------------------------

def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _add_months(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def _at(day: dt.date, hour: int, minute: int) -> dt.datetime:
    """A China local wall time, as an aware UTC datetime."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHINA).astimezone(dt.timezone.utc)


# Local start (hour, minute) and length in minutes per sector: villages meet in the evening when
# field work is done; the agency in office hours; the company after the shift.
SCHEDULE = {
    Sector.village: {"committee": (9, 0, 90), "group": (19, 30, 90), "day": (14, 30, 120),
                     "assembly": (14, 30, 120), "lecture": (14, 30, 90), "eval": (14, 30, 150), "olm": (14, 30, 180)},
    Sector.agency: {"committee": (8, 30, 60), "group": (16, 30, 60), "day": (14, 30, 120),
                    "assembly": (15, 0, 90), "lecture": (15, 0, 90), "eval": (14, 30, 120), "olm": (14, 30, 180)},
    Sector.enterprise: {"committee": (17, 0, 60), "group": (17, 30, 60), "day": (14, 30, 120),
                        "assembly": (16, 0, 90), "lecture": (16, 0, 90), "eval": (15, 0, 120), "olm": (14, 0, 180)},
}


class _Builder:
    def __init__(self, rng: random.Random, now: dt.datetime):
        self.rng = rng
        self.now = now
        self.today = now.astimezone(CHINA).date()
        self.months = [_add_months(self.today.year, self.today.month, d) for d in range(-3, 3)]
        self.calendar = current_calendar()
        self.branches: dict[str, Branch] = {}
        self.groups: dict[str, list] = {}
        self.members: dict[str, Member] = {}  # by username
        self.usernames: dict[int, str] = {}  # member id → username
        self.specs: dict[str, DemoMember] = {}
        self.users: dict[str, User] = {}
        self.committee_posts: dict[str, list[Member]] = {}
        self.hosted: dict[str, list[tuple[Member, dt.date, dt.date | None]]] = {}

    def build(self) -> None:
        committee = Committee(name=COMMITTEE_NAME)
        db.session.add(committee)
        db.session.flush()
        self.committee_user = create_user(COMMITTEE_USERNAME, DEMO_PASSWORD, committee_id=committee.id)
        db.session.flush()
        for spec in BRANCHES:
            self._branch(committee, spec)
        for spec in BRANCHES:
            self._floating(spec)
        for spec in BRANCHES:
            for m in spec.members:
                kind = CardKind.floating if m.floats_to else CardKind.regular
                issue_card(self.members[m.username], kind, self._secretary(spec.key).id)
        for spec in BRANCHES:
            self._season(spec)
            self._filings(spec)
        self._service_records()
        dues_demo.build_demo(self)  # bases, payments, arrears, remittances, publication (server/dues/demo.py)
        recruitment_demo.build_demo(self)
        evaluation_demo.build_demo(self)  # Hongqi's evaluation under way (server/evaluation/demo.py)
        org_life_demo.build_demo(self)  # Hongqi's org-life meeting in preparation (server/org_life/demo.py)
        service_demo.build_demo(self)  # service posts, assignments and their records (server/service/demo.py)
        archive_demo.build_demo(self)  # one member's archive printed per branch (server/archive/demo.py)
        points_demo.build_demo(self)  # the suggested scheme, last quarter published (server/points/demo.py)
        featured_demo.build_demo(self)  # each branch adopts its sector's featured systems (server/featured/demo.py)
        corrections_demo.build_demo(self)  # one open correction request to Xinghuo, one closed (server/corrections/demo.py)
        secretary_review_demo.build_demo(self)  # Hongqi's secretary's review of last year, graded 好 (server/secretary_review/demo.py)
        self._county(committee)

    def _county(self, township: Committee) -> None:
        """The county above the township, and a second township with a branch onboarded three weeks
        ago (members, posts and cards; nothing held yet). Its own random generator, so the township's
        data stays what it was."""
        county = Committee(name=COUNTY_NAME)
        db.session.add(county)
        db.session.flush()
        township.parent = county
        township2 = Committee(name=TOWNSHIP2_NAME, parent=county)
        db.session.add(township2)
        db.session.flush()
        create_user(COUNTY_USERNAME, DEMO_PASSWORD, committee_id=county.id)
        township2_user = create_user(TOWNSHIP2_USERNAME, DEMO_PASSWORD, committee_id=township2.id)
        # Its members are registered by its own committee's account.
        (rng, user), (self.rng, self.committee_user) = (self.rng, self.committee_user), (random.Random(SEED + 1),
                                                                                         township2_user)
        for spec in TOWNSHIP2_BRANCHES:
            self._branch(township2, spec)
            self.branches[spec.key].created_at = _at(self.today - dt.timedelta(days=ONBOARDED_DAYS_AGO), 9, 0)
            for m in spec.members:
                issue_card(self.members[m.username], CardKind.regular, self._secretary(spec.key).id)
        self.rng, self.committee_user = rng, user
        db.session.flush()

    # -- organization --

    def _branch(self, committee: Committee, spec: DemoBranch) -> None:
        actor = self.committee_user.id
        branch = Branch(committee=committee, name=spec.name, sector=spec.sector,
                        created_at=_at(dt.date(self.today.year - 2, 3, 1), 9, 0))
        db.session.add(branch)
        db.session.flush()
        self.branches[spec.key] = branch
        groups = [org.create_group(branch, name) for name in spec.groups]
        db.session.flush()
        self.groups[spec.key] = groups
        self.committee_posts[spec.key] = []
        self.hosted[spec.key] = []
        elected_on = dt.date(self.today.year - 2, 3, 18)  # the committee's last election
        for m in spec.members:
            admitted_on, full_since = self._joined(m)
            member = org.create_member(branch, {
                "name": m.name,
                "status": m.status,
                "group_id": groups[m.group].id if m.group is not None else None,
                "admitted_on": admitted_on,
                "full_since": full_since,
                "dues_category": m.dues,
                "phone": f"1390000{len(self.members) + 1:04d}",  # clearly not real numbers
            }, actor)
            self.members[m.username] = member
            self.usernames[member.id] = m.username
            self.specs[m.username] = m
            self.users[m.username] = create_user(m.username, DEMO_PASSWORD, member_id=member.id)
            for role in m.roles:
                org.assign_role(branch, {
                    "member_id": member.id,
                    "role": role,
                    "group_id": groups[m.group].id if role == GL else None,
                    "starts_on": elected_on,
                }, actor)
            if any(role in COMMITTEE_POSTS for role in m.roles):
                self.committee_posts[spec.key].append(member)
        db.session.flush()

    def _joined(self, m: DemoMember) -> tuple[dt.date, dt.date | None]:
        if m.status == MemberStatus.probationary:
            admitted = self.today - dt.timedelta(days=self.rng.randint(90, 300))
            if m.username == recruitment_demo.OVERDUE_CONVERSION:  # her probation ended 17 days ago
                admitted = recruitment_demo.overdue_admission(self.today)
            return admitted, None
        veteran = m.dues in (DuesCategory.retired, DuesCategory.exempt)
        years = self.rng.randint(25, 45) if veteran else self.rng.randint(2, 20)
        admitted = dt.date(self.today.year - years, self.rng.randint(1, 12), self.rng.randint(1, 28))
        return admitted, admitted + dt.timedelta(days=365 + self.rng.randint(0, 20))

    def _floating(self, spec: DemoBranch) -> None:
        for m in spec.members:
            if not m.floats_to:
                continue
            started_ago, ends_in = m.floating_days
            starts_on = self.today - dt.timedelta(days=started_ago)
            ends_on = self.today + dt.timedelta(days=ends_in) if ends_in is not None else None
            member = self.members[m.username]
            org.add_floating_membership(member, {
                "host_branch_id": self.branches[m.floats_to].id,
                "starts_on": starts_on,
                "ends_on": ends_on,
                "note": m.floating_note,
            }, self._secretary(spec.key).id)
            self.hosted[m.floats_to].append((member, starts_on, ends_on))

    def _secretary(self, branch_key: str) -> User:
        return self.users[f"{branch_key}_shuji"]

    # -- events and attendance --

    def _shift(self, day: dt.date) -> dt.date:
        """Off statutory rest days: to the same weekday of the following week (as DAY-date says)."""
        while self.calendar.is_rest_day(day):
            day += dt.timedelta(days=7)
        return day

    def _season(self, spec: DemoBranch) -> None:
        branch = self.branches[spec.key]
        times = SCHEDULE[spec.sector]
        last_month = self.months[2]
        held: list[tuple[Event, list[Record]]] = []
        for year, month in self.months:
            plan = [
                ("committee", EventKind.branch_committee_meeting, _nth_weekday(year, month, 0, 1), None,
                 f"{month}月支部委员会会议", "回顾上月工作，研究部署本月任务", spec.place),
                ("day", EventKind.activity_day, self.calendar.activity_day_for(year, month), None,
                 f"{month}月主题党日活动", ACTIVITY_THEMES[spec.sector][month % 6], spec.place),
            ]
            for index, group in enumerate(self.groups[spec.key]):
                if (spec.key, index, (year, month)) == (MISSED_GROUP_MEETING[0], MISSED_GROUP_MEETING[1], last_month):
                    continue  # this group did not meet last month: 3M1-group is missed
                plan.append(("group", EventKind.group_meeting, _nth_weekday(year, month, 1 + 2 * index, 2), group,
                             f"{group.name}{month}月党小组会", "学习交流，谈心谈话，开展批评与自我批评",
                             spec.group_places[index]))
            if month % 3 == 2:  # the middle month of each quarter
                quarter = (month - 1) // 3 + 1
                plan.append(("assembly", EventKind.general_assembly, _nth_weekday(year, month, 4, 3), None,
                             f"{year}年第{quarter}季度党员大会", "通报支部工作，讨论决定重要事项", spec.place))
                plan.append(("lecture", EventKind.party_lecture, _nth_weekday(year, month, 2, 4), None,
                             f"{year}年第{quarter}季度党课", LECTURE_TOPICS[quarter - 1], spec.place))
            if month == 12:  # year end: evaluation of members and the org-life meeting
                plan.append(("eval", EventKind.evaluation_meeting, _nth_weekday(year, month, 3, 3), None,
                             f"{year}年度民主评议党员大会", "对照党员标准开展自评、互评和民主测评", spec.place))
                if spec.key != "xinghuo":  # Xinghuo asked to hold it in January (see _filings)
                    plan.append(("olm", EventKind.org_life_meeting, _nth_weekday(year, month, 4, 3), None,
                                 f"{year}年度组织生活会", OLM_THEME, spec.place))
            for slot, kind, day, group, title, theme, place in plan:
                hour, minute, length = times[slot]
                starts_at = _at(self._shift(day), hour, minute)
                ends_at = starts_at + dt.timedelta(minutes=length)
                data = {"kind": kind, "title": title, "theme": theme, "place": place,
                        "starts_at": starts_at, "ends_at": ends_at,
                        "group_id": group.id if group is not None else None,
                        "status": EventStatus.held if ends_at <= self.now else EventStatus.planned}
                if kind in NOTICED_KINDS:
                    # Notices go out five days ahead; one branch sent last month's only two days ahead.
                    late = (spec.key, (year, month), kind) == (LATE_NOTICE_BRANCH, last_month, EventKind.activity_day)
                    ahead = 2 if late else 5
                    published = _at(starts_at.astimezone(CHINA).date() - dt.timedelta(days=ahead), 10, 0)
                    local = starts_at.astimezone(CHINA)
                    data["notice"] = (
                        f"定于{local.month}月{local.day}日{local:%H:%M}在{place}召开{title}，主题：{theme}。"
                        "请全体党员准时参加，因故不能参加的请提前向支部请假。")
                    if published <= self.now:
                        data["notice_published_at"] = published
                event = create_event(branch, data, self._secretary(spec.key).id)
                if event.status == EventStatus.held:
                    held.append((event, self._attendance(spec, event)))
        # Minutes for the meetings held, except that Hongqi has not yet written up its latest
        # committee meeting (3M1-minutes names it).
        committee_meetings = [e for e, _ in held if e.kind == EventKind.branch_committee_meeting]
        unwritten = committee_meetings[-1].id if spec.key == "hongqi" and committee_meetings else None
        for event, records in held:
            if event.id != unwritten:
                self._minutes(spec, event, records)
        db.session.flush()

    def _minutes(self, spec: DemoBranch, event: Event, records: list[Record]) -> None:
        """The minutes, written by the organizer a day after the meeting (text only: no photos in the demo)."""
        organizer = next(self.users[m.username] for m in spec.members if O in m.roles)
        local = event.starts_at.astimezone(CHINA)
        text = (f"会议名称：{event.title}\n时间：{local:%Y年%m月%d日 %H:%M}\n地点：{event.place}\n"
                f"主持人：{self._secretary_name(spec)}　记录人：{next(m.name for m in spec.members if O in m.roles)}\n"
                f"出席：{len(records)}人\n议题：{event.theme}\n"
                "会议内容：一、学习传达上级有关文件精神；二、围绕议题开展讨论，与会党员逐一发言；三、明确下一步工作安排。")
        written = min(self.now, event.ends_at + dt.timedelta(hours=20))
        db.session.add(Minutes(event_id=event.id, text=text, version=1, written_by_id=organizer.id,
                               created_at=written, updated_at=written))

    def _secretary_name(self, spec: DemoBranch) -> str:
        return next(m.name for m in spec.members if S in m.roles)

    def _participants(self, spec: DemoBranch, event: Event) -> list[Member]:
        if event.kind == EventKind.branch_committee_meeting:
            return list(self.committee_posts[spec.key])
        home = [self.members[m.username] for m in spec.members if not m.floats_to]
        if event.group_id is not None:
            return [m for m in home if m.group_id == event.group_id]
        day = event.starts_at.astimezone(CHINA).date()
        guests = [m for m, start, end in self.hosted[spec.key] if start <= day and (end is None or day <= end)]
        return home + guests

    def _attendance(self, spec: DemoBranch, event: Event) -> list[Record]:
        secretary = self._secretary(spec.key)
        held_ago = self.now - event.ends_at
        records: list[Record] = []
        for member in self._participants(spec, event):
            username = self.usernames[member.id]
            m = self.specs[username]
            if self.users[username] is not secretary and self.rng.random() < 0.12:
                if self.rng.random() < 0.6:
                    self._leave(event, member, secretary)
                continue
            scanned_at = event.starts_at + dt.timedelta(minutes=self.rng.randint(-20, 8),
                                                        seconds=self.rng.randint(0, 59))
            by_card = m.printed_card or self.rng.random() < 0.25
            record = Record(
                member_id=member.id, branch_id=event.branch_id, kind=RecordKind.attendance, event_id=event.id,
                occurred_on=event.starts_at.astimezone(CHINA).date(), title=event.title,
                checkin_method=CheckinMethod.card_scan if by_card else CheckinMethod.event_code,
                created_by_id=secretary.id if by_card else self.users[username].id,
                checked_in_at=scanned_at, created_at=scanned_at, updated_at=scanned_at,
            )
            if not m.printed_card and self.rng.random() < 0.6:
                record.acknowledged_at = min(self.now, event.ends_at + dt.timedelta(minutes=self.rng.randint(5, 2880)))
            if self.rng.random() < (0.85 if held_ago > dt.timedelta(days=7) else 0.3):
                record.confirmed_at = min(self.now, event.ends_at + dt.timedelta(minutes=self.rng.randint(30, 4320)))
                record.confirmed_by_id = secretary.id
            record.updated_at = max(t for t in (scanned_at, record.acknowledged_at, record.confirmed_at) if t)
            db.session.add(record)
            records.append(record)
        db.session.flush()
        for record in records:
            self._log_signoffs(record, event.branch_id)
        return records

    def _log_signoffs(self, record: Record, branch_id: int) -> None:
        """After a record's insert: into the change feed (so phones receive it) and the audit log."""
        if record.acknowledged_at is not None:
            user = db.session.scalar(sa.select(User).where(User.member_id == record.member_id))
            entry = log_action(user.id, "record.acknowledged", record, branch_id=branch_id, member_id=record.member_id)
            entry.at = record.acknowledged_at
        if record.confirmed_at is not None:
            entry = log_action(record.confirmed_by_id, "record.confirmed", record, branch_id=branch_id,
                               member_id=record.member_id)
            entry.at = record.confirmed_at

    def _leave(self, event: Event, member: Member, secretary: User) -> None:
        leave = LeaveRequest(
            event_id=event.id, member_id=member.id, reason=self.rng.choice(LEAVE_REASONS),
            status=LeaveStatus.approved, decided_by_id=secretary.id,
            decided_at=event.starts_at - dt.timedelta(hours=self.rng.randint(2, 20)),
            created_at=event.starts_at - dt.timedelta(hours=self.rng.randint(24, 60)),
        )
        db.session.add(leave)
        db.session.flush()
        entry = log_action(secretary.id, "leave.decided", leave, branch_id=event.branch_id, approved=True)
        entry.at = leave.decided_at

    # -- filings and rectification --

    def _filings(self, spec: DemoBranch) -> None:
        branch = self.branches[spec.key]
        year = self.today.year
        organizer = next(self.users[m.username] for m in spec.members if O in m.roles)
        filed_on = dt.date(year, 2, 10) if spec.key == LATE_NOTICE_BRANCH else dt.date(year, 1, 20)
        if filed_on <= self.today:
            days = [{"month": m, "rule_date": self.calendar.activity_day_for(year, m).isoformat(),
                     "date": self.calendar.activity_day_for(year, m).isoformat(),
                     "title": f"{m}月主题党日活动", "theme": ACTIVITY_THEMES[spec.sector][m % 6]}
                    for m in range(1, 13)]
            plan = submit_filing(branch, {
                "kind": FilingKind.activity_day_plan, "year": year, "period": str(year),
                "title": f"{spec.name}{year}年度统一活动日计划", "body": None, "event_id": None, "requested_on": None,
            }, organizer.id, details={"days": days})
            plan.filed_at = _at(filed_on, 10, 0)
        if spec.key == "hongqi":
            # Set at last year's org-life meeting; this year's meeting reviews them.
            for problem, measures, done in RECTIFICATION_ITEMS:
                db.session.add(RectificationItem(
                    branch_id=branch.id, year=year - 1, problem=problem, measures=measures,
                    responsible=self._secretary_name(spec), due_on=dt.date(year, 6, 30),
                    completed_on=dt.date(year, 5, 28) if done else None,
                    progress="已建立走访台账，支委成员累计走访困难群众46户次" if done else "已送学上门3次，持续推进",
                    created_by_id=self._secretary(spec.key).id, created_at=_at(dt.date(year - 1, 12, 28), 16, 0)))
        if spec.key == "xinghuo":
            # Year-end production peak: the branch asks to hold its org-life meeting in January.
            request = submit_filing(branch, {
                "kind": FilingKind.org_life_date_change, "year": year, "period": str(year),
                "title": f"关于{year}年度组织生活会延期召开的请示",
                "body": "因年底生产任务集中，党员多在一线倒班，拟将组织生活会延期至次年1月中旬召开。",
                "event_id": None, "requested_on": dt.date(year + 1, 1, 15),
            }, self._secretary(spec.key).id)
            request.filed_at = self.now - dt.timedelta(days=3)
        db.session.flush()

    # -- service --

    def _service_records(self) -> None:
        branch_of = {m.username: b.key for b in BRANCHES for m in b.members}
        for index, (username, (title, detail)) in enumerate(sorted(SERVICE_RECORDS.items())):
            key = branch_of[username]
            year, month = _add_months(self.today.year, self.today.month, -1 - index % 3)
            done_on = dt.date(year, month, self.rng.randint(3, 25))
            done_at = _at(done_on, 17, 0)
            record = Record(
                member_id=self.members[username].id, branch_id=self.branches[key].id, kind=RecordKind.service,
                occurred_on=done_on, title=title, detail=detail,
                created_by_id=self.users[username].id, created_at=done_at, updated_at=done_at,
                acknowledged_at=done_at,
            )
            if index % 2 == 0:
                record.confirmed_at = record.updated_at = done_at + dt.timedelta(days=2)
                record.confirmed_by_id = self._secretary(key).id
            db.session.add(record)
            db.session.flush()
            self._log_signoffs(record, self.branches[key].id)
