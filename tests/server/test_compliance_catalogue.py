"""Every sentence the compliance view can send (server/compliance/messages.py) has its words in the
PWA's catalogues, both languages: otherwise the English UI shows the server's Chinese."""
from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from server.compliance import messages
from server.compliance.operations import RULE_MODULES

PWA_I18N = Path(__file__).resolve().parents[2] / "pwa" / "src" / "i18n"


def step_keys(catalogue: str) -> set[str]:
    text = (PWA_I18N / catalogue).read_text(encoding="utf-8")
    block = text[text.index("    step: {\n"):]
    block = block[:block.index("\n    },")]
    return set(re.findall(r"^      (\w+):", block, re.M))


@pytest.mark.parametrize("catalogue", ["zh-CN.js", "en.js"])
def test_every_next_step_and_evidence_sentence_is_translated(catalogue):
    for module in RULE_MODULES:
        importlib.import_module(module)
    server_keys = {key.replace(".", "_").replace("-", "_") for key in messages.TEMPLATES}
    assert server_keys - step_keys(catalogue) == set()
