"""The demo's featured systems (`flask demo`): each demo branch adopts templates of its sector.

红旗村 (village) adopts the secretary's annual report, party-affairs disclosure, the remote-education
study day and posts for members without office; 县财政局 (agency) the benchmark commitments and
members reporting to their residential community; 星火科技 (enterprise) model posts and
volunteering. Adopted today through the real operations (events ahead on the plan, posts, points
rules); the first two members of each branch are put on each new post, deterministically.
"""
from __future__ import annotations

from server.featured import operations
from server.service.operations import assign

ADOPTED = {
    "hongqi": ("village-secretary-report", "village-affairs-disclosure", "village-remote-study", "village-set-posts"),
    "caizheng": ("agency-benchmark-commitment", "agency-community-report"),
    "xinghuo": ("enterprise-model-posts", "enterprise-volunteering"),
}
ASSIGNED_PER_POST = 2


def build_demo(builder) -> None:
    """Called once by the demo builder, after the points scheme (a template's points rules join it)."""
    from server.demo.operations import BRANCHES

    for spec in BRANCHES:
        branch = builder.branches[spec.key]
        secretary = builder._secretary(spec.key)
        members = [builder.members[m.username] for m in spec.members if not m.floats_to][:ASSIGNED_PER_POST]
        for code in ADOPTED.get(spec.key, ()):
            operations.adopt(branch, code, secretary.id)
            source = f"template:{code}"
            for post in operations.posts_of(branch.id, source):
                for member in members:
                    assign(post, member.id, builder.today, secretary.id)
