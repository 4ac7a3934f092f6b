"""The README's provider table, from the registry's specs: printed, or written in (`make table`)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "layers" / "crossrotate"))

from crossrotate.provider import ProviderSpec
from crossrotate.registry import PROVIDERS

START, END = "<!-- providers:start -->\n", "<!-- providers:end -->"


LOGIN = {
    "postgres": "PostgreSQL login (`postgres`)",
    "mysql": "MySQL login (`mysql`)",
    "redis": "Redis `AUTH` (`redis`)",
    None: "the provider's answer only: `host` is refused",
}
"""What proves a new password with ``host`` set (the default ``engine`` in brackets)."""


def own_keys(spec: ProviderSpec) -> str:
    """The secret's keys only this provider reads, and its account rule."""
    keys = [f"`{key}` (default `{field.default}`)" for key, field in spec.fields.items()]
    if spec.only_username:
        keys.append(f"`username` must be `{spec.only_username}`; no `usernames`")
    return ", ".join(keys) or "none"


def rows() -> Iterator[str]:
    yield "| `provider` | database | password API | reset | login proof | its own keys | its endpoint alone |"
    yield "|---|---|---|---|---|---|---|"
    for name, spec in PROVIDERS.items():
        service, action = spec.actions[0].split(":")
        variable = f"{spec.cloud.endpoint_variable}_{spec.service}"
        yield (
            f"| `{name}` | {spec.title} | `{service}` `{action}` | {spec.reset_mode} | {LOGIN[spec.engine]} "
            f"| {own_keys(spec)} | `{variable}` |"
        )


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
