"""The demo's 述职评议 (`flask demo`): 红旗村's secretary reported on last year, the committee graded it 好.

Built through the feature's operations, so the facts are generated as every review's are (the demo
branch registers today, so last year's periods come out as not judged: the material says so)."""
from __future__ import annotations

from server.secretary_review import operations
from server.secretary_review.models import ReviewGrade

BRANCH = "hongqi"
SECTIONS = {
    "performance": "一年来，我认真履行支部书记抓党建第一责任人职责，带头落实“三会一课”、主题党日等制度，"
                   "组织党员参与人居环境整治和产业发展，推动村集体经济稳步增长。",
    "problems": "一是理论学习的系统性不够，学用结合不紧；二是党小组活动开展不够均衡，第二党小组有的月份未按时开会；"
                "三是对流动党员的日常联系还不够经常。",
    "measures": "建立党小组会月初提醒和支委联系党小组制度；每季度与流动党员视频联系一次，及时传达学习内容。",
    "plans": "新的一年，坚持每月集中学习，按时召开党小组会和支委会，带领党员在乡村振兴中发挥先锋模范作用。",
}
COMMENT = "述职材料翔实，问题查摆具体，整改措施可行。"


def build_demo(builder) -> None:
    branch = builder.branches[BRANCH]
    secretary_user = builder.users[f"{BRANCH}_shuji"]
    year = builder.today.year - 1
    review = operations.save(branch, year, SECTIONS, builder.members[f"{BRANCH}_shuji"], secretary_user.id,
                             builder.today)
    operations.submit(review, secretary_user.id, builder.today)
    operations.grade(review, ReviewGrade.good, COMMENT, builder.committee_user.id)
