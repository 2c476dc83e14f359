"""The evaluation's results (民主评议党员结果汇总表) as an Excel workbook: per member the tally of
the assessment forms beside the grade proposed and its review. Aggregates only: no ballot, no voter."""
from __future__ import annotations

from openpyxl import Workbook

from server.core.xlsx import table_sheet
from server.evaluation.ballots import GRADE_ZH, tally
from server.evaluation.models import Evaluation

REVIEW_ZH = {"pending": "待审核", "approved": "已审核同意", "returned": "已退回"}
HANDLING_ZH = {"education": "教育帮助", "deadline_improvement": "限期改正", "persuade_to_leave": "劝其退党",
               "removal": "除名"}


def results_workbook(evaluation: Evaluation) -> Workbook:
    counts = tally(evaluation)
    grades = counts["grades"]
    rows_by_member = {r.member_id: r for r in evaluation.members}
    table = []
    for index, line in enumerate(counts["members"], start=1):
        row = rows_by_member[line["member_id"]]
        table.append([index, line["name"], *[line["counts"][g] for g in grades], line["blank"],
                      GRADE_ZH.get(row.grade.value, "") if row.grade else "",
                      REVIEW_ZH.get(row.review.value, "") if row.review else "",
                      HANDLING_ZH.get(row.handling_kind.value, "") if row.handling_kind else "",
                      row.grade_note or ""])
    subtitle = f"{evaluation.branch.name}　{evaluation.year}年度　收回测评表{counts['ballots']}份"
    footer = ["测评票数为无记名测评汇总，不含任何投票人信息。", "支部书记（签字）：　　　　　　　　　　上级党组织（盖章）："]
    wb = Workbook()
    table_sheet(wb, "评议结果", f"{evaluation.title}　结果汇总表", subtitle,
                ["序号", "姓名", *[f"{GRADE_ZH[g]}票" for g in grades], "未评", "评定等次", "审核", "组织处置", "说明"],
                table, [6, 12, *[8] * len(grades), 8, 10, 12, 12, 28], footer)
    return wb
