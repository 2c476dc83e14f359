from __future__ import annotations

from flask.views import MethodView
from flask_jwt_extended import jwt_required

from server.auth.access import branches_under, principal
from server.core.api import FeatureBlueprint, load_or_404, require
from server.core.db import db
from server.org.models import Branch, Committee, Member
from server.org_life import operations
from server.org_life.models import OrgLifeMeeting, OrgLifeOpinion, OrgLifeTalk
from server.org_life.schemas import (
    OrgLifeAnalysisSchema,
    OrgLifeAnalysisWriteSchema,
    OrgLifeCommitteeQuerySchema,
    OrgLifeCommitteeRowSchema,
    OrgLifeCriticismWriteSchema,
    OrgLifeMeetingCreateSchema,
    OrgLifeMeetingDetailSchema,
    OrgLifeMeetingSummarySchema,
    OrgLifeMeetingUpdateSchema,
    MyOrgLifeSchema,
    OrgLifeOpinionSchema,
    OrgLifeReviewWriteSchema,
    OrgLifeStudyLinkSchema,
    OrgLifeTalkCreateSchema,
)
from sync import clock

blp = FeatureBlueprint("org_life", __name__,
                       description="The org-life meeting (组织生活会): preparation, the meeting, the report")

MANAGERS_ONLY = "Only the branch's secretary, deputy secretary or organizer records this."


def _readable(branch_id: int) -> None:
    p = principal()
    require(p.manages(branch_id) or p.oversees(branch_id))


def _meeting_for_writing(meeting_id: int) -> OrgLifeMeeting:
    meeting = load_or_404(OrgLifeMeeting, meeting_id)
    require(principal().manages(meeting.branch_id), MANAGERS_ONLY)
    return meeting


def _page(meeting: OrgLifeMeeting) -> dict:
    return operations.detail(meeting, clock.today(), manages=principal().manages(meeting.branch_id))


@blp.route("/branches/<int:branch_id>/org-life-meetings")
class BranchMeetings(MethodView):
    @jwt_required()
    @blp.response(200, OrgLifeMeetingSummarySchema(many=True))
    def get(self, branch_id):
        """The branch's org-life meetings, newest year first, with their checklists' state (its
        managers and its committee)."""
        branch = load_or_404(Branch, branch_id)
        _readable(branch.id)
        return operations.branch_meetings(branch, clock.today())

    @jwt_required()
    @blp.arguments(OrgLifeMeetingCreateSchema)
    @blp.response(201, OrgLifeMeetingDetailSchema)
    def post(self, data, branch_id):
        """The meeting of a year, on the branch's event of kind org_life_meeting (one per branch and
        year; 409 when the year has one). The theme is written to the event."""
        branch = load_or_404(Branch, branch_id)
        require(principal().manages(branch.id), MANAGERS_ONLY)
        return _page(operations.create_meeting(branch, data, principal().user_id))


@blp.route("/org-life-meetings/<int:meeting_id>")
class MeetingItem(MethodView):
    @jwt_required()
    @blp.response(200, OrgLifeMeetingDetailSchema)
    def get(self, meeting_id):
        """The meeting's page: theme, checklist, talks, who handed in an analysis (not the texts),
        review, criticism, filings and OLM-held / OLM-report (managers; the committee reads it)."""
        meeting = load_or_404(OrgLifeMeeting, meeting_id)
        _readable(meeting.branch_id)
        return _page(meeting)

    @jwt_required()
    @blp.arguments(OrgLifeMeetingUpdateSchema)
    @blp.response(200, OrgLifeMeetingDetailSchema)
    def patch(self, changes, meeting_id):
        """The theme, the 1-2 problems, or the event (a re-planned meeting)."""
        meeting = _meeting_for_writing(meeting_id)
        operations.update_meeting(meeting, changes, principal().user_id)
        return _page(meeting)


@blp.route("/org-life-meetings/<int:meeting_id>/studies")
class Studies(MethodView):
    @jwt_required()
    @blp.arguments(OrgLifeStudyLinkSchema)
    @blp.response(201, OrgLifeMeetingDetailSchema)
    def post(self, data, meeting_id):
        """Count an event of the branch held before the meeting (a party lecture, a study session)
        as its study."""
        meeting = _meeting_for_writing(meeting_id)
        operations.link_study(meeting, data["event_id"], principal().user_id, clock.today())
        return _page(meeting)


@blp.route("/org-life-meetings/<int:meeting_id>/studies/<int:event_id>")
class StudyItem(MethodView):
    @jwt_required()
    @blp.response(200, OrgLifeMeetingDetailSchema)
    def delete(self, meeting_id, event_id):
        meeting = _meeting_for_writing(meeting_id)
        operations.unlink_study(meeting, event_id, principal().user_id)
        return _page(meeting)


@blp.route("/org-life-meetings/<int:meeting_id>/opinions")
class Opinions(MethodView):
    @jwt_required()
    @blp.arguments(OrgLifeOpinionSchema)
    @blp.response(201, OrgLifeMeetingDetailSchema)
    def post(self, data, meeting_id):
        """Opinions solicited: how, when (not after the meeting, not in the future), a summary."""
        meeting = _meeting_for_writing(meeting_id)
        operations.add_opinion(meeting, data, principal().user_id, clock.today())
        return _page(meeting)


@blp.route("/org-life-opinions/<int:opinion_id>")
class OpinionItem(MethodView):
    @jwt_required()
    @blp.response(200, OrgLifeMeetingDetailSchema)
    def delete(self, opinion_id):
        """Remove a record entered by mistake (the audit log keeps what it said)."""
        opinion = load_or_404(OrgLifeOpinion, opinion_id)
        meeting = _meeting_for_writing(opinion.meeting_id)
        operations.remove_opinion(opinion, principal().user_id)
        return _page(meeting)


@blp.route("/org-life-meetings/<int:meeting_id>/talks")
class Talks(MethodView):
    @jwt_required()
    @blp.arguments(OrgLifeTalkCreateSchema)
    @blp.response(201, OrgLifeMeetingDetailSchema)
    def post(self, data, meeting_id):
        """A heart-to-heart talk between two members of the branch (422: one person, a non-member,
        a day in the future or after the meeting; 409: already recorded)."""
        meeting = _meeting_for_writing(meeting_id)
        operations.add_talk(meeting, data, principal().user_id, clock.today())
        return _page(meeting)


@blp.route("/org-life-talks/<int:talk_id>")
class TalkItem(MethodView):
    @jwt_required()
    @blp.response(200, OrgLifeMeetingDetailSchema)
    def delete(self, talk_id):
        talk = load_or_404(OrgLifeTalk, talk_id)
        meeting = _meeting_for_writing(talk.meeting_id)
        operations.remove_talk(talk, principal().user_id)
        return _page(meeting)


@blp.route("/org-life-meetings/<int:meeting_id>/analyses")
class Analyses(MethodView):
    @jwt_required()
    @blp.response(200, OrgLifeAnalysisSchema(many=True))
    def get(self, meeting_id):
        """Every analysis handed in, with its text (the branch's managers only: not the committee,
        not other members)."""
        meeting = load_or_404(OrgLifeMeeting, meeting_id)
        require(principal().manages(meeting.branch_id), "Only the branch's managers read the analyses.")
        return operations.analyses(meeting)


@blp.route("/org-life-meetings/<int:meeting_id>/analyses/mine")
class MyAnalysis(MethodView):
    @jwt_required()
    @blp.arguments(OrgLifeAnalysisWriteSchema)
    @blp.response(200, OrgLifeAnalysisSchema)
    def put(self, data, meeting_id):
        """The caller's own party-spirit analysis (a member of the branch), the whole text; the same
        nonce again changes nothing (offline outbox retries). 409 once the meeting was held."""
        meeting = load_or_404(OrgLifeMeeting, meeting_id)
        p = principal()
        member = db.session.get(Member, p.member_id) if p.member_id is not None else None
        require(member is not None and member.branch_id == meeting.branch_id
                and (member.left_on is None or member.left_on >= clock.today()),
                "Only a member of the branch writes their own analysis.")
        return operations.write_analysis(meeting, member, data["text"], data["nonce"], p.user_id, clock.today())


@blp.route("/org-life-meetings/<int:meeting_id>/analyses/<int:member_id>/paper")
class PaperAnalysis(MethodView):
    @jwt_required()
    @blp.response(201, OrgLifeMeetingDetailSchema)
    def post(self, meeting_id, member_id):
        """Note that a member handed their analysis in on paper (a member without a smartphone)."""
        meeting = _meeting_for_writing(meeting_id)
        operations.note_paper_analysis(meeting, member_id, principal().user_id)
        return _page(meeting)


@blp.route("/org-life-meetings/<int:meeting_id>/reviews/<int:item_id>")
class Review(MethodView):
    @jwt_required()
    @blp.arguments(OrgLifeReviewWriteSchema)
    @blp.response(200, OrgLifeMeetingDetailSchema)
    def put(self, data, meeting_id, item_id):
        """Last year's rectification item as reviewed at the meeting (from the meeting's day on)."""
        meeting = _meeting_for_writing(meeting_id)
        operations.record_review(meeting, item_id, data, principal().user_id, clock.today())
        return _page(meeting)


@blp.route("/org-life-meetings/<int:meeting_id>/criticisms/<int:member_id>")
class Criticism(MethodView):
    @jwt_required()
    @blp.arguments(OrgLifeCriticismWriteSchema)
    @blp.response(200, OrgLifeMeetingDetailSchema)
    def put(self, data, meeting_id, member_id):
        """One member's self-criticism and the criticism they received (from the meeting's day on;
        422 for someone who is not a member of the branch)."""
        meeting = _meeting_for_writing(meeting_id)
        operations.record_criticism(meeting, member_id, data, principal().user_id, clock.today())
        return _page(meeting)


@blp.route("/committees/<int:committee_id>/org-life-meetings")
class CommitteeMeetings(MethodView):
    @jwt_required()
    @blp.arguments(OrgLifeCommitteeQuerySchema, location="query")
    @blp.response(200, OrgLifeCommitteeRowSchema(many=True))
    def get(self, query, committee_id):
        """Every branch under the committee with its meeting of the year (or none yet), the
        checklist's state and the date changes awaiting the committee (read-only)."""
        committee = load_or_404(Committee, committee_id)
        require(principal().oversees_committee(committee.id))
        today = clock.today()
        return operations.committee_view(branches_under(committee.id), query.get("year", today.year), today)


@blp.route("/me/org-life")
class MyOrgLife(MethodView):
    @jwt_required()
    @blp.response(200, MyOrgLifeSchema)
    def get(self):
        """The caller's branch's latest org-life meeting: theme, day, their own analysis and their
        talks (`exists: false` when there is none, or for a committee account)."""
        p = principal()
        member = db.session.get(Member, p.member_id) if p.member_id is not None else None
        return operations.my_view(member, clock.today())

