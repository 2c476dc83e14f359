"""What every benchmark shares: the report (table + JSON), databases, apps and timing helpers."""
from __future__ import annotations

import dataclasses
import json
import os
import platform
import statistics
import sys
import time
import uuid
from importlib import metadata
from pathlib import Path

import sqlalchemy as sa

from sync import clock

RESULTS_DIR = Path(__file__).resolve().parent / "results"
PG_SERVER_URL = os.environ.get("ZHIBU_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
FULL = os.environ.get("ZHIBU_BENCH_SIZE", "full") == "full"

BENCH_CONFIG = {
    "SECRET_KEY": "bench-secret",
    "JWT_SECRET_KEY": "bench-jwt-secret-key-that-is-long-enough-for-hs256",
    "CARD_SIGNING_KEY": "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
    "PASSWORD_HASH_PROFILE": "cheapest",
    "LOGIN_RATE_LIMIT_PER_ADDRESS": "100000 per minute",
    "LOGIN_RATE_LIMIT_PER_ACCOUNT_AND_ADDRESS": "100000 per minute",
}


@dataclasses.dataclass
class Figure:
    group: str
    name: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_name: str | None = None
    # ratio = value / baseline, or baseline / value when lower is better (latency): >1 is better.
    higher_is_better: bool = True
    target: str | None = None
    met: bool | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if not self.baseline or not self.value:
            return None
        return self.value / self.baseline if self.higher_is_better else self.baseline / self.value


class Report:
    def __init__(self):
        self.figures: list[Figure] = []
        self.started = time.monotonic()

    def add(self, group, name, value, unit, *, baseline=None, baseline_name=None, higher_is_better=True,
            target=None, met=None, note="") -> Figure:
        figure = Figure(group, name, value, unit, baseline, baseline_name, higher_is_better, target, met, note)
        self.figures.append(figure)
        ratio = f"{figure.ratio:.2f}x" if figure.ratio is not None else ""
        status = {True: "met", False: "NOT met", None: ""}[met]
        print(f"  {group:<22} {name:<44} {value:>12.2f} {unit:<10} {ratio:>8} {status}", flush=True)
        return figure

    def machine(self) -> dict:
        versions = {}
        for package in ("flask", "sqlalchemy", "psycopg", "gunicorn", "marshmallow"):
            try:
                versions[package] = metadata.version(package)
            except metadata.PackageNotFoundError:
                pass
        return {
            "when": clock.real_now().isoformat(timespec="seconds"),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "sqlite": __import__("sqlite3").sqlite_version,
            "postgresql": postgres_version(),
            "packages": versions,
            "size": "full" if FULL else "small",
        }

    def write(self, path: Path | None = None) -> Path:
        RESULTS_DIR.mkdir(exist_ok=True)
        path = path or RESULTS_DIR / "latest.json"
        data = {"machine": self.machine(), "seconds": round(time.monotonic() - self.started, 1),
                "figures": [{**dataclasses.asdict(f), "ratio": f.ratio} for f in self.figures]}
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return path

    def table(self) -> str:
        lines = [f"{'group':<22} {'figure':<44} {'value':>12} {'unit':<10} {'baseline':>12} {'ratio':>8}  target",
                 "-" * 130]
        for f in self.figures:
            base = f"{f.baseline:.2f}" if f.baseline is not None else ""
            ratio = f"{f.ratio:.2f}x" if f.ratio is not None else ""
            target = f"{f.target or ''} {'' if f.met is None else ('met' if f.met else 'NOT met')}"
            lines.append(f"{f.group:<22} {f.name:<44} {f.value:>12.2f} {f.unit:<10} {base:>12} {ratio:>8}  {target}")
        return "\n".join(lines)


def postgres_version() -> str | None:
    try:
        engine = sa.create_engine(PG_SERVER_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            version = conn.execute(sa.text("SHOW server_version")).scalar()
        engine.dispose()
        return version
    except Exception:  # noqa: BLE001 - unreachable PostgreSQL just means those figures are skipped
        return None


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    if not ordered:
        return {"p50": 0.0, "p95": 0.0, "p99": 0.0}
    cuts = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else ordered * 99
    return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98]}


def new_database(kind: str, workdir: Path) -> tuple[str, callable]:
    """A fresh, migrated database: (url, drop). kind is 'sqlite' or 'postgresql'."""
    from flask_migrate import upgrade

    from server import create_app
    from server.core.db import db

    if kind == "sqlite":
        url = f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:8]}.sqlite3'}"
        drop = lambda: None  # noqa: E731 - the work folder is removed as a whole
    else:
        name = f"zhibu_bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(PG_SERVER_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = sa.make_url(PG_SERVER_URL).set(database=name).render_as_string(hide_password=False)

        def drop():
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

    os.environ["ZHIBU_INSTANCE_PATH"] = str(workdir / "instance")
    app = create_app({**BENCH_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url, drop


def backends() -> list[str]:
    return ["sqlite", "postgresql"] if postgres_version() else ["sqlite"]
