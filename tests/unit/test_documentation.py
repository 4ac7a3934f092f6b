"""docs/errors.md's classification table is the code's, and every code the function raises itself is documented."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

from crossrotate.errors import OWN_CODES, TRANSPORT

ROOT = Path(__file__).parents[2]
LIBRARY = ROOT / "layers" / "crossrotate" / "crossrotate"


def test_the_documented_table_is_generated_from_the_tables() -> None:
    table = "\n".join(runpy.run_path(str(ROOT / "scripts" / "classification_table.py"))["rows"]())
    readme = (ROOT / "docs" / "errors.md").read_text()
    start, end = readme.index("<!-- classification:start -->\n"), readme.index("<!-- classification:end -->")
    assert readme[start + len("<!-- classification:start -->\n") : end].strip() == table, "run `make table`"


def test_every_own_code_raised_is_documented() -> None:
    source = "\n".join(path.read_text() for path in LIBRARY.rglob("*.py"))
    raised = set(re.findall(r'(?:own|transport_error|Login)\(\s*(?:[\w.]+, )?"([A-Za-z.]+)"', source))
    raised |= set(re.findall(r'"(Transport\.[A-Za-z]+)"\)', source))
    assert {"InvalidEvent", "Database.TlsUnavailable", "Transport.Timeout"} <= raised, "the pattern finds them"
    assert raised <= set(OWN_CODES) | set(TRANSPORT), raised - set(OWN_CODES) - set(TRANSPORT)


def test_the_operators_policies_grant_every_action_each_provider_calls() -> None:
    from crossrotate.registry import PROVIDERS

    policies = (ROOT / "docs" / "operate.md").read_text()
    missing = {name: [a for a in spec.actions if f'"{a}"' not in policies] for name, spec in PROVIDERS.items()}
    assert {name: actions for name, actions in missing.items() if actions} == {}
