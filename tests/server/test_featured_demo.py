"""The demo's featured systems (server/featured/demo.py): each branch has its sector's templates
adopted, with their events ahead on the plan and members on their posts, and the compliance view
judges the adopted templates' rules (the others not applicable)."""
from __future__ import annotations

import pytest

from server.featured.demo import ADOPTED
from tests.conftest import rolled_back
from tests.server.test_org_life_demo import _headers, _load


@pytest.fixture(scope="module")
def _demo(backend, request, tmp_path_factory):
    return _load(backend, request, tmp_path_factory)


@pytest.fixture
def demo(_demo):
    with rolled_back(_demo):
        yield _demo.test_client()


@pytest.mark.parametrize("key, sector", [("hongqi", "village"), ("caizheng", "agency"), ("xinghuo", "enterprise")])
def test_each_branch_adopted_its_sectors_templates(demo, key, sector):
    headers = _headers(demo, f"{key}_shuji")
    me = demo.get("/api/v1/auth/me", headers=headers).json
    branch_id = me["home_branch_id"]
    view = demo.get(f"/api/v1/branches/{branch_id}/featured-systems", headers=headers).json
    adopted = [t for t in view["templates"] if t["adoption"]]
    assert {t["template"]["code"] for t in adopted} == set(ADOPTED[key])
    assert all(t["template"]["sector"] == sector for t in adopted)
    results = demo.get(f"/api/v1/branches/{branch_id}/compliance", headers=headers).json["results"]
    x_rules = {r["rule"]: r["state"] for r in results if r["rule"].startswith("X-")}
    own = {rule["id"] for t in adopted for rule in t["template"]["rules"]}
    assert own and own <= set(x_rules)
    assert all(state == "not-applicable" for rule, state in x_rules.items() if rule not in own)
