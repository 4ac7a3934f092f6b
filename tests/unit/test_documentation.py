"""The README's classification table is the code's, and every code the function raises itself is documented."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

from crossrotate.errors import OWN_CODES, TRANSPORT

ROOT = Path(__file__).parents[2]
LIBRARY = ROOT / "layers" / "crossrotate" / "crossrotate"


def test_readme_table_is_generated_from_the_tables() -> None:
    table = "\n".join(runpy.run_path(str(ROOT / "scripts" / "classification_table.py"))["rows"]())
    readme = (ROOT / "README.md").read_text()
    start, end = readme.index("<!-- classification:start -->\n"), readme.index("<!-- classification:end -->")
    assert readme[start + len("<!-- classification:start -->\n") : end].strip() == table, "run `make table`"


def test_every_own_code_raised_is_documented() -> None:
    source = "\n".join(path.read_text() for path in LIBRARY.rglob("*.py"))
    raised = set(re.findall(r'(?:own|transport_error|Login)\(\s*(?:[\w.]+, )?"([A-Za-z.]+)"', source))
    raised |= set(re.findall(r'"(Transport\.[A-Za-z]+)"\)', source))
    assert {"InvalidEvent", "Database.TlsUnavailable", "Transport.Timeout"} <= raised, "the pattern finds them"
    assert raised <= set(OWN_CODES) | set(TRANSPORT), raised - set(OWN_CODES) - set(TRANSPORT)
