import subprocess
import sys
from pathlib import Path

import sync


def test_protocol_versions() -> None:
    assert (sync.PROTOCOL_VERSION, sync.MIN_PROTOCOL_VERSION) == (1, 1)


def test_sync_imports_no_web_stack() -> None:
    # A fresh interpreter, so modules other tests loaded do not count.
    code = (
        "import sys, sync, sync.eventcode, sync.cards, sync.vectors.generate\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'flask', 'sqlalchemy', 'server'}))"
    )
    root = Path(sync.__file__).resolve().parents[1]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert out.stdout.strip() == "[]"
