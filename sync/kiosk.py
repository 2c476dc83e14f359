"""A check-in kiosk for a secretary's laptop with a USB barcode scanner (it types one line per scan).

    python -m sync.kiosk --server URL --username U --password P --event-id N [--outbox FILE]

Each card QR read from stdin is saved to the outbox file first, then pushed; with no network the
scans stay queued (and are sent on the next run). The password may come from $ZHIBU_PASSWORD.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import time

from sync.client import Outbox, SyncClient, SyncError, checkin_card

OFFLINE_RETRY_SECONDS = 30  # while offline, try the network again at most this often
WORDS = {"applied": "已签到 / checked in", "duplicate": "重复签到 / duplicate", "rejected": "被拒绝 / rejected"}


def who(card_qr: str) -> str:
    """The member number inside a card QR, for the operator (the server checks the signature)."""
    try:
        payload = card_qr.split(".")[1]
        return f"党员 member #{json.loads(base64.urlsafe_b64decode(payload + '=' * (-len(payload) % 4)))['mid']}"
    except (IndexError, ValueError, KeyError, TypeError):
        return f"卡 card …{card_qr[-8:]}"


class Kiosk:
    def __init__(self, client: SyncClient, out=sys.stdout, clock=time.monotonic):
        self.client, self.out, self.clock = client, out, clock
        self.totals = {"applied": 0, "duplicate": 0, "rejected": 0}
        self.scans = 0
        self.next_try = 0.0
        self.fatal: str | None = None

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def scan(self, text: str, event_id: int) -> None:
        self.scans += 1
        self.client.queue(checkin_card(event_id, text))
        self.say(f"已保存 / saved: {who(text)}")
        self.push()

    def push(self, force: bool = False) -> None:
        if self.fatal or (not force and self.clock() < self.next_try):
            return
        try:
            summary = self.client.push_pending()
        except SyncError as err:
            if err.summary:
                self.report(err.summary)
            if not err.temporary:
                self.fatal = str(err)
                self.say(f"无法上传 / cannot upload: {err}")
            else:
                self.next_try = self.clock() + OFFLINE_RETRY_SECONDS
                self.say(f"离线，已排队 {self.queued()} 条 / offline, {self.queued()} queued ({err})")
            return
        self.next_try = 0.0
        self.report(summary)
        if summary.client_update_required:
            self.say("请更新应用 / please update the app: " + (summary.message or ""))

    def report(self, summary) -> None:
        for mutation, result in summary.results:
            status = result["status"]
            self.totals[status] += 1
            line = f"{WORDS[status]}: {who(mutation['card_qr'])}"
            if status == "rejected":
                line += f": {result.get('message') or result.get('code')}"
            self.say(line)

    def queued(self) -> int:
        return self.client.outbox.count(self.client.username)

    def finish(self) -> None:
        self.push(force=True)
        t = self.totals
        self.say(f"共扫描 {self.scans} 次 / {self.scans} scans: 已签到 {t['applied']} checked in, "
                 f"重复 {t['duplicate']} duplicate, 被拒绝 {t['rejected']} rejected")
        if self.queued():
            self.say(f"尚有 {self.queued()} 条未上传，已保存在本机，下次联网时自动上传 / "
                     f"{self.queued()} scans are saved on this computer and will be sent next time")


def main(argv: list[str] | None = None, stdin=sys.stdin, out=sys.stdout, transport=None, sleep=time.sleep) -> int:
    parser = argparse.ArgumentParser(prog="python -m sync.kiosk", description=__doc__.splitlines()[0])
    parser.add_argument("--server", required=True, help="e.g. http://127.0.0.1:5000")
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", default=os.environ.get("ZHIBU_PASSWORD"))
    parser.add_argument("--event-id", type=int, required=True)
    parser.add_argument("--outbox", default="zhibu-kiosk-outbox.sqlite3", help="queue file (kept between runs)")
    args = parser.parse_args(argv)
    if not args.password:
        parser.error("--password (or $ZHIBU_PASSWORD) is required")
    with Outbox(args.outbox) as outbox:
        client = SyncClient(args.server, args.username, args.password, outbox.device_id, outbox,
                            timeout=10, max_attempts=2, backoff_base=0.5, backoff_cap=2, transport=transport,
                            sleep=sleep)
        kiosk = Kiosk(client, out)
        if kiosk.queued():
            kiosk.say(f"上次留下 {kiosk.queued()} 条待上传 / {kiosk.queued()} scans queued from before")
        kiosk.say("请扫码 / scan a card (Ctrl-D to finish)")
        for line in stdin:
            if line.strip():
                kiosk.scan(line.strip(), args.event_id)
        kiosk.finish()
        return 1 if kiosk.fatal else 0


if __name__ == "__main__":
    sys.exit(main())
