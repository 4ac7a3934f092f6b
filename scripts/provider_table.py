"""The README's provider table, from the registry's specs: printed, or written in (`make table`)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "layers" / "crossrotate"))

from crossrotate.registry import PROVIDERS

START, END = "<!-- providers:start -->\n", "<!-- providers:end -->"


def rows() -> Iterator[str]:
    yield "| `provider` | database | password API | reset | its endpoint alone |"
    yield "|---|---|---|---|---|"
    for name, spec in PROVIDERS.items():
        service, action = spec.actions[0].split(":")
        variable = f"{spec.cloud.endpoint_variable}_{spec.service}"
        yield f"| `{name}` | {spec.title} | `{service}` `{action}` | {spec.reset_mode} | `{variable}` |"


def rewrite(document: Path) -> None:
    """Replace the table between the document's provider markers."""
    text = document.read_text()
    head, rest = text.split(START, 1)
    document.write_text(head + START + "\n".join(rows()) + "\n" + END + rest.split(END, 1)[1])


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        rewrite(Path(__file__).parents[1] / "README.md")
    else:
        print("\n".join(rows()))
