#!/usr/bin/env python3
"""Offline check-in demo: several devices deliver a shuffled, duplicated backlog; one record per member.

Against a running demo server (`make run`):

    .venv/bin/python scripts/sync_demo.py [--server http://127.0.0.1:5000] [--branch-secretary hongqi_shuji]

The secretary pulls the branch's events (with their code secrets) and picks one whose check-in
window is open, or creates one. Members "scan the secretary's screen" (rotating event codes made
with sync.eventcode) on two or three devices each, some scanning twice; the secretary's laptop
scans printed cards and some phones' cards too. Every device queues offline, then all push in a
random order, some pushing their batch a second time (same nonces, as after a lost answer).
The records of the event are then counted: exactly one per member who scanned.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sync import clock
from sync.client import Outbox, SyncClient, SyncError, checkin_card, checkin_event_code  # noqa: E402
from sync.eventcode import event_qr_payload  # noqa: E402

UTC = dt.timezone.utc
BACKLOG_SECONDS = 8 * 60  # scans are spread over the last minutes, as if the hall had no signal


def when(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def demo_branch(secretary: str):
    from server.demo.operations import BRANCHES, DEMO_PASSWORD  # the demo's logins

    for branch in BRANCHES:
        if any(m.username == secretary for m in branch.members):
            hosted = [m for other in BRANCHES for m in other.members if m.floats_to == branch.key]
            return branch, hosted, DEMO_PASSWORD
    sys.exit(f"{secretary} is not a login of the demo data (see server/demo/operations.py)")


def live_event(secretary: SyncClient, branch_id: int) -> dict:
    """An event of the branch whose check-in window holds the whole backlog, created if need be."""
    changes, cursor, _ = secretary.pull()
    now = clock.now()

    def usable(changes):
        for change in changes:
            e = change["data"]
            if (change["entity"] == "event" and change["op"] == "upsert" and e["branch_id"] == branch_id
                    and e.get("code_secret") and e["status"] != "cancelled"
                    and when(e["checkin_opens_at"]) <= now - dt.timedelta(seconds=BACKLOG_SECONDS + 60)
                    and when(e["checkin_closes_at"]) >= now + dt.timedelta(minutes=10)):
                return e
        return None

    event = usable(changes)
    if event:
        print(f"Using event #{event['id']} {event['title']} (check-in open now)")
        return event
    starts = now.replace(microsecond=0) - dt.timedelta(minutes=10)
    created = secretary.request("POST", f"/branches/{branch_id}/events", body={
        "kind": "party_lecture", "title": f"离线签到演示 {starts.astimezone(dt.timezone(dt.timedelta(hours=8))):%H:%M}",
        "starts_at": starts.isoformat(), "ends_at": (starts + dt.timedelta(hours=2)).isoformat()}).body
    changes, _, _ = secretary.pull(cursor)  # the secretary's devices learn its code secret by pulling
    event = next(c["data"] for c in changes if c["entity"] == "event" and c["id"] == created["id"])
    print(f"Created event #{event['id']} {event['title']}")
    return event


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="http://127.0.0.1:5000")
    parser.add_argument("--branch-secretary", default="hongqi_shuji")
    parser.add_argument("--members", type=int, default=6, help="members who scan event codes with their phones")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    spec, hosted, password = demo_branch(args.branch_secretary)

    def client(username: str, device: str, tokens=None) -> SyncClient:
        return SyncClient(args.server, username, password, device, Outbox(), tokens=tokens, max_attempts=6)

    secretary = client(args.branch_secretary, f"{args.branch_secretary}-laptop")
    try:
        secretary.login()
    except SyncError as err:
        sys.exit(f"Cannot log in to {args.server} as {args.branch_secretary}: {err} (is `make run` serving?)")
    me = secretary.request("GET", "/auth/me").body
    branch_id = me["managed_branch_ids"][0]
    event = live_event(secretary, branch_id)
    step = event.get("code_step_seconds", 30)
    now_ms = clock.now_ms()

    def claimed() -> int:
        return now_ms - rng.randrange(BACKLOG_SECONDS * 1000)

    def code_scan() -> dict:
        at = claimed()  # the code shown on the secretary's screen at that moment
        return checkin_event_code(event_qr_payload(event["id"], event["code_secret"], at / 1000, step), at)

    home = [m for m in spec.members if m.username != args.branch_secretary and not m.printed_card and not m.floats_to]
    phone_users = [m.username for m in home[:args.members]] + [m.username for m in hosted[:1]]
    card_users = [m.username for m in spec.members if m.printed_card]

    devices: list[SyncClient] = []
    scanned: dict[int, str] = {}  # member id -> username
    cards: dict[str, str] = {}
    for username in phone_users + card_users:
        phone = client(username, f"{username}-phone")
        card = phone.request("GET", "/me/card").body
        scanned[card["member_id"]], cards[username] = username, card["qr"]
        if username in card_users:
            continue  # no smartphone: the secretary scans the printed card
        extra = [client(username, f"{username}-{name}", tokens=phone.tokens)
                 for name in rng.sample(["tablet", "old-phone"], rng.randint(1, 2))]
        for device in [phone, *extra]:  # 2-3 devices, each scanning once or twice
            for _ in range(rng.randint(1, 2)):
                device.queue(code_scan())
            devices.append(device)
    # The secretary's laptop scans every printed card (some twice) and two phones' cards as well.
    second = client(args.branch_secretary, f"{args.branch_secretary}-phone", tokens=secretary.tokens)
    for username in card_users + phone_users[:2]:
        secretary.queue(checkin_card(event["id"], cards[username], claimed()))
    for i, username in enumerate(card_users):
        (second if i == 0 else rng.choice([secretary, second])).queue(checkin_card(event["id"], cards[username], claimed()))
    devices += [secretary, second]

    # Deliver: in random order, each outbox shuffled; a third of them deliver again (same nonces).
    rng.shuffle(devices)
    rows, resent, again, answers = [], [], [], {}
    for device in devices:
        items = device.outbox.pending(device.username)
        rng.shuffle(items)
        device.outbox.remove(i.id for i in items)
        for item in items:
            device.queue(item.mutation)
        if rng.random() < 0.34:
            again.append((device, [i.mutation for i in items]))
        summary = device.push_pending()
        first = {m["id"]: (r["status"], r["record_id"]) for m, r in summary.results}
        rows.append((device.device_id, summary.sent, summary.applied, summary.duplicate, summary.rejected))
        for r in summary.rejections:
            print(f"  rejected on {device.device_id}: {r.code}: {r.message}")
        answers[device.device_id] = first
    for device, mutations in again:
        for m in mutations:
            device.queue(m)
        summary = device.push_pending()
        assert {m["id"]: (r["status"], r["record_id"]) for m, r in summary.results} == answers[device.device_id], \
            "a resent batch must get the same answers"
        resent.append((device.device_id + " (resent)", summary.sent, summary.applied, summary.duplicate,
                     summary.rejected))

    # The event's records, as the secretary sees them.
    records, page = [], 1
    while True:
        batch = secretary.request("GET", "/records", query={"event_id": event["id"], "page": page,
                                                            "page_size": 100}).body
        records += batch
        if len(batch) < 100:
            break
        page += 1
    per_member = Counter(r["member_id"] for r in records)

    print(f"\n离线签到演示 / offline check-in demo — event #{event['id']} {event['title']}")
    print(f"{'device':<34}{'sent':>6}{'applied':>9}{'duplicate':>11}{'rejected':>10}")
    for row in rows:
        print(f"{row[0]:<34}{row[1]:>6}{row[2]:>9}{row[3]:>11}{row[4]:>10}")
    totals = [sum(r[i] for r in rows) for i in range(1, 5)]
    print(f"{'total':<34}{totals[0]:>6}{totals[1]:>9}{totals[2]:>11}{totals[3]:>10}")
    if resent:
        print("Delivered again with the same nonces (as after a lost answer): the same answers, nothing new")
    for row in resent:
        print(f"{row[0]:<34}{row[1]:>6}{row[2]:>9}{row[3]:>11}{row[4]:>10}")
    print(f"\n{len(scanned)} members scanned; the event has {len(records)} attendance records "
          f"({sum(per_member[m] for m in scanned)} of them for those members).")
    wrong = {scanned[m]: per_member[m] for m in scanned if per_member[m] != 1}
    assert not wrong, f"expected exactly one record per member who scanned, got {wrong}"
    assert all(count == 1 for count in per_member.values()), per_member
    print("OK: exactly one record per member who scanned, whatever the devices and repeats / 每人一条记录")
    for device in devices:
        device.outbox.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
