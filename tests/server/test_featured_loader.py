"""Featured-system templates as data: the built-in files load and cover SPEC's list; a bad file
fails naming the file and the field; the county's folder is added after the built-in ones."""
from __future__ import annotations

import datetime as dt

import pytest

from server.featured.loader import TemplateError, builtin_templates, load_dir, load_file, merge

D = dt.date

GOOD = '''
code = "county-study"
sector = "agency"
title = "读书班"
summary = "每季度读一本书。"

[[events]]
title = "读书交流会"
schedule = { every = "quarter", month = 3, weekday = 3, week = 2 }
time = "15:00"

[[points]]
key = "featured"
title = "参加读书交流会"
points = 1

[[rules]]
id = "X-county-study"
title = "每季度召开一次读书交流会"
period = "quarter"
requirement = "events_held"
'''


def write(tmp_path, text, name="t.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_builtin_templates_cover_every_sector_of_spec():
    templates = builtin_templates()
    by_sector = {}
    for t in templates.values():
        by_sector.setdefault(t.sector.value, set()).add(t.title)
        assert t.summary and t.rules, t.code  # each has a rulebook paragraph and a rule for the compliance view
    assert len(by_sector["village"]) == 6 and len(by_sector["agency"]) == 5 and len(by_sector["enterprise"]) == 4
    assert {"村党组织书记年度述职评议", "党务公开", "远程教育固定学习日", "流动党员“双向共管”", "无职党员设岗定责"} <= by_sector["village"]
    assert {"对标承诺", "亮身份树形象", "在职党员进社区", "直接联系服务群众", "挂钩结对帮扶"} == by_sector["agency"]
    assert {"党员示范岗", "党员责任区", "党员志愿服务"} <= by_sector["enterprise"]


def test_a_good_file_and_its_schedule(tmp_path):
    t = load_file(write(tmp_path, GOOD), builtin=False)
    assert (t.code, t.sector.value, t.builtin, t.source) == ("county-study", "agency", False, "template:county-study")
    spec = t.events[0]
    assert spec.kind.value == "featured_activity" and spec.duration_minutes == 90  # the defaults
    # The second Wednesday of each quarter's third month.
    assert spec.schedule.dates(2026) == [D(2026, 3, 11), D(2026, 6, 10), D(2026, 9, 9), D(2026, 12, 9)]
    assert spec.schedule.describe_zh() == "每季度第3个月第2个星期三"
    assert t.points[0].key_for(t.code) == "featured:county-study"


@pytest.mark.parametrize("change, field", [
    (lambda s: s.replace('sector = "agency"', 'sector = "army"'), "sector"),
    (lambda s: s.replace('code = "county-study"', 'code = "County Study"'), "code"),
    (lambda s: s.replace('title = "读书班"\n', ''), "title"),
    (lambda s: s.replace('time = "15:00"', 'time = "25:00"'), "events[0].time"),
    (lambda s: s.replace('week = 2', 'week = 5'), "events[0].schedule.week"),
    (lambda s: s.replace('every = "quarter", month = 3', 'every = "fortnight", month = 3'), "events[0].schedule.every"),
    (lambda s: s.replace(', weekday = 3, week = 2', ''), "events[0].schedule.day"),
    (lambda s: s.replace('id = "X-county-study"', 'id = "county-study"'), "rules[0].id"),
    (lambda s: s.replace('requirement = "events_held"', 'requirement = "service_records"'), "rules[0].requirement"),
    (lambda s: s.replace('period = "quarter"', 'period = "week"'), "rules[0].period"),
    (lambda s: s.replace('points = 1', 'points = "one"'), "points[0].points"),
    (lambda s: s.replace('key = "featured"', 'key = "record:dues"'), "points[0].key"),
    (lambda s: 'colour = "red"\n' + s, "colour"),
    (lambda s: s.replace('[[events]]', '[[events]]\nplace = ""'), "events[0].place"),
])
def test_a_bad_file_names_the_file_and_the_field(tmp_path, change, field):
    with pytest.raises(TemplateError) as error:
        load_file(write(tmp_path, change(GOOD), "county.toml"))
    assert error.value.field == field and str(error.value).startswith(f"county.toml: {field}: ")


def test_not_toml_at_all(tmp_path):
    with pytest.raises(TemplateError, match=r"broken.toml: \(file\): not valid TOML"):
        load_file(write(tmp_path, "code = ", "broken.toml"))


def test_the_county_folder_cannot_redefine_a_builtin_code_or_rule(tmp_path):
    (tmp_path / "a.toml").write_text(GOOD, encoding="utf-8")
    extra = load_dir(tmp_path, builtin=False)
    merged = merge(list(builtin_templates().values()), extra)
    assert list(merged)[-1] == "county-study"
    clash = GOOD.replace('code = "county-study"', 'code = "village-remote-study"')
    (tmp_path / "a.toml").write_text(clash, encoding="utf-8")
    with pytest.raises(TemplateError, match="defined twice"):
        merge(list(builtin_templates().values()), load_dir(tmp_path, builtin=False))
    rule_clash = GOOD.replace('id = "X-county-study"', 'id = "X-remote-study"')
    (tmp_path / "a.toml").write_text(rule_clash, encoding="utf-8")
    with pytest.raises(TemplateError, match="X-remote-study"):
        merge(list(builtin_templates().values()), load_dir(tmp_path, builtin=False))
    with pytest.raises(TemplateError, match="not a folder"):
        load_dir(tmp_path / "missing")
