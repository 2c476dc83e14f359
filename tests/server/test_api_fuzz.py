"""Property-based fuzzing of the API from its own OpenAPI document (schemathesis 4).

Every operation of /api/v1/openapi.json gets generated requests, valid and invalid, sent to the
app in-process (WSGI) on each database backend (the module's shared world; each operation's
requests are rolled back after it, tests/conftest.py `rolled_back`), logged in once as a secretary (so requests get
past the access checks into the operations) and once as a plain member. Two properties:
no response is a 5xx (an unexpected exception fails the test too: TESTING propagates it), and
every error is JSON of the one shape the API promises, {code, status, message[, errors]}.

Ids in paths, queries and bodies (and the sync protocol version) are drawn from the world's real
values most of the time (schemathesis dictionaries), so requests reach the code behind the 404s
and 400s; the rest of the time they are generated, out-of-range ones included. Deterministic
(Hypothesis' derandomize) and bounded: 15 examples per operation as the secretary, 5 as the member.

Why not `schemathesis.pytest.from_fixture`: its lazy loader renames the running pytest item
through `Function._nodeid`, which pytest 9.2 no longer has (AttributeError). So each operation
is its own pytest test here, driven by the public API: `schemathesis.openapi.from_wsgi`,
`APIOperation.as_strategy`, `Case.call` and `Case.validate_response` under Hypothesis' `@given`.
"""
from __future__ import annotations

import dataclasses
import functools

import pytest
import schemathesis
from hypothesis import given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from sync import PROTOCOL_VERSION
from tests.conftest import TEST_CONFIG, rolled_back
from tests.server.factories import PASSWORD

API = "/api/v1"
OPENAPI = f"{API}/openapi.json"
# Examples per operation and backend, valid and invalid requests mixed: as a secretary of the
# branch the ids point into (requests get past access checks into the operations), then as a
# plain member (the same validation, then mostly the 403 paths).
FUZZ_USERS = {"secretary_a": 15, "member": 5}
FUZZ_SETTINGS = settings(
    derandomize=True,  # the same requests on every run: a failure here is reproducible
    deadline=None,  # PostgreSQL round trips vary; speed is not the property under test
    database=None,  # no .hypothesis/ directory in the working tree
)


@functools.cache
def _spec_app():
    """A database-less app: the OpenAPI document does not depend on the data."""
    from server import create_app

    return create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


@functools.cache
def _schema(ids: tuple) -> schemathesis.BaseSchema:
    """The loaded schema for a world's ids. Loading it and scanning the app for constants take a
    tenth of a second; a fresh world has the same ids every time, so this runs about once."""
    return schemathesis.openapi.from_wsgi(OPENAPI, _spec_app(), config=fuzz_config(dict(ids)))


OPERATIONS = [result.ok().label for result in
              schemathesis.openapi.from_wsgi(OPENAPI, _spec_app(), config=schemathesis.Config()).get_all_operations()]


def fuzz_config(ids: dict) -> schemathesis.Config:
    values = lambda *names: {"values": [ids[name] for name in names]}
    real = lambda dictionary, p=0.8: {"dictionary": dictionary, "probability": p}
    return schemathesis.Config.from_dict({
        "generation": {
            # Negative cases then break the request itself rather than mostly drop the bearer token
            # (the 401 answers are the same for every operation; the role matrix checks them).
            "with-security-parameters": False,
        },
        "dictionaries": {
            "branch_ids": values("branch_a", "branch_b"),
            "member_ids": values("member", "member2", "floating", "secretary_a", "member_b"),
            "event_ids": values("event_a", "event_b"),
            "record_ids": values("record_member", "record_floating_a", "record_floating_home", "record_b"),
            "card_ids": values("card_member", "card_floating"),
            "role_ids": values("role_secretary_a"),
            "group_ids": values("group_a"),
            "leave_ids": values("leave"),
            "protocol_versions": {"values": [PROTOCOL_VERSION]},
        },
        "parameters": {
            "path.branch_id": real("branch_ids"),
            "path.member_id": real("member_ids"),
            "path.event_id": real("event_ids"),
            "path.record_id": real("record_ids"),
            "path.card_id": real("card_ids"),
            "path.role_id": real("role_ids"),
            "path.leave_id": real("leave_ids"),
            "query.member_id": real("member_ids", 0.5),
            "query.branch_id": real("branch_ids", 0.5),
            "query.event_id": real("event_ids", 0.5),
            "query.protocol_version": real("protocol_versions"),
            "body.member_id": real("member_ids", 0.6),
            "body.event_id": real("event_ids", 0.6),
            "body.group_id": real("group_ids", 0.5),
            "body.host_branch_id": real("branch_ids", 0.6),
            "body.record_ids[*]": real("record_ids", 0.6),
            "body.protocol_version": real("protocol_versions"),
        },
    })


@pytest.fixture(scope="module")
def fuzz_world(shared_world) -> dict:
    """The module's shared world's ids, and a leave request (the member's, from A's event) to decide on."""
    from server.core.db import db
    from server.events.models import Event
    from server.events.operations import request_leave
    from server.org.models import Member

    world, app = shared_world.world, shared_world.app
    with app.app_context():
        leave = request_leave(db.session.get(Event, world.event_a), db.session.get(Member, world.member), "出差")
        db.session.commit()
        return {**dataclasses.asdict(world), "leave": leave.id}


@pytest.fixture
def fuzzed_app(shared_world, fuzz_world):
    """Each operation's requests land on the shared world and are rolled back after it."""
    with rolled_back(shared_world.app) as app:
        yield app


def error_shape(ctx, response, case):
    """Every error is JSON {code, status, message[, errors]} whose code is the HTTP status."""
    if response.status_code < 400:
        return
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.startswith("application/json"), f"error body is {content_type!r}, not JSON"
    body = response.json()
    assert isinstance(body, dict), body
    assert {"code", "status", "message"} <= set(body) <= {"code", "status", "message", "errors"}, body
    assert body["code"] == response.status_code, body
    assert isinstance(body["status"], str) and isinstance(body["message"], str), body


@pytest.fixture
def bearer(fuzzed_app):
    """Bearer tokens of `username`: the shared pair, or a fresh one for logout (which revokes it)."""
    client = fuzzed_app.test_client()

    def login(username):
        response = client.post(f"{API}/auth/login", json={"username": username, "password": PASSWORD})
        assert response.status_code == 200, response.json
        return response.json

    def for_operation(username, path):
        if path == f"{API}/auth/logout":
            return login(username)["access_token"]
        if username not in shared:
            shared[username] = login(username)
        return shared[username]["refresh_token" if path == f"{API}/auth/refresh" else "access_token"]

    shared: dict[str, dict] = {}
    return for_operation


@pytest.mark.parametrize("label", OPERATIONS)
def test_api_fuzz(fuzzed_app, fuzz_world, bearer, label):
    operation = _schema(tuple(sorted(fuzz_world.items()))).find_operation_by_label(label)
    cases = st.one_of(operation.as_strategy(generation_mode=mode) for mode in GenerationMode)
    for username, max_examples in FUZZ_USERS.items():
        fuzz(fuzzed_app, cases, username, functools.partial(bearer, username, operation.path), max_examples)


def fuzz(app, cases, username, token, max_examples):
    @settings(FUZZ_SETTINGS, max_examples=max_examples)
    @given(case=cases)
    def run(case):
        # The schema was loaded from another app instance; the request goes to this test's app.
        response = case.call(app=app, headers={"Authorization": f"Bearer {token()}"})
        try:
            case.validate_response(response, checks=[not_a_server_error, error_shape])
        except Exception as exc:
            exc.add_note(f"(logged in as {username})")
            raise

    run()


# --- regressions: the 5xx answers the fuzzer found, each now a 4xx on both backends ---------------

def test_ids_beyond_the_integer_columns_are_404_in_urls_and_422_in_queries_and_bodies(client, world, auth):
    headers = auth.headers("secretary_a")
    # PostgreSQL: "integer out of range" (ids are int4); SQLite: OverflowError beyond 2**63.
    for url in (f"{API}/branches/2147483648", f"{API}/members/2147483648/cards"):
        response = client.get(url, headers=headers)
        assert response.status_code == 404 and response.json["message"], response.json
    response = client.post(f"{API}/leave-requests/9223372036854775808/decision", json={"approve": False},
                           headers=headers)
    assert response.status_code == 404
    assert client.get(f"{API}/branches/2147483647", headers=headers).status_code == 404  # the largest id
    response = client.get(f"{API}/records?event_id=9223372036854775808", headers=headers)
    assert response.status_code == 422 and "event_id" in response.json["errors"]["query"]
    response = client.post(f"{API}/records/confirm", json={"record_ids": [9223372036854775808]}, headers=headers)
    assert response.status_code == 422 and "record_ids" in response.json["errors"]["json"]
    response = client.post(f"{API}/branches/{world.branch_a}/groups", json={"name": "x"},
                           headers=headers)  # an ordinary request still works
    assert response.status_code == 201
    # ... and the OpenAPI document says where ids end.
    spec = client.get(OPENAPI).json
    (param,) = spec["paths"][f"{API}/branches/{{branch_id}}"]["parameters"]
    assert param["schema"]["maximum"] == 2**31 - 1


def test_every_error_body_has_a_message(client, world, auth):
    headers = auth.headers("secretary_a")
    responses = [
        client.post(f"{API}/auth/login", data=b"\x00", content_type="application/json"),  # 400: not JSON
        client.post(f"{API}/records/confirm", json={}, headers=headers),  # 422: webargs' validation
        client.get(f"{API}/no-such-thing", headers=headers),  # 404: routing
        client.delete(f"{API}/records/{world.record_member}", headers=headers),  # 405
    ]
    assert [r.status_code for r in responses] == [400, 422, 404, 405]
    for response in responses:
        assert response.json["code"] == response.status_code
        assert isinstance(response.json["message"], str) and response.json["message"], response.json
    assert responses[1].json["errors"]["json"]["record_ids"]


def test_event_times_beyond_the_calendar_are_422(client, world, auth):
    headers = auth.headers("secretary_a")
    event = {"kind": "activity_day", "title": "0", "starts_at": "0001-01-01T00:00:00Z",
             "ends_at": "2000-01-01T00:00:00Z"}
    # The default check-in opening (30 minutes before the start) was an OverflowError.
    response = client.post(f"{API}/branches/{world.branch_a}/events", json=event, headers=headers)
    assert response.status_code == 422 and "starts_at" in response.json["errors"]["json"]
    response = client.patch(f"{API}/events/{world.event_a}", json={"ends_at": "9999-12-31T23:59:00-05:00"},
                            headers=headers)
    assert response.status_code == 422
    # Converting this bound to UTC for the query overflowed too.
    response = client.get(f"{API}/branches/{world.branch_a}/events",
                          query_string={"starts_from": "0001-01-01T00:00:00+08:00"}, headers=headers)
    assert response.status_code == 422 and "starts_from" in response.json["errors"]["query"]


def test_text_with_a_nul_character_is_not_a_server_error(client, world, auth, backend):
    event = {"kind": "activity_day", "title": "\x00", "starts_at": "2030-01-01T00:00:00Z",
             "ends_at": "2030-01-01T02:00:00Z"}
    response = client.post(f"{API}/branches/{world.branch_a}/events", json=event,
                           headers=auth.headers("secretary_a"))
    # PostgreSQL cannot store NUL in text (psycopg.DataError, which was a 500); SQLite can.
    assert response.status_code == (422 if backend == "postgresql" else 201), response.json
