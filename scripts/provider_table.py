"""The README's provider table and docs/secret-format.md's password table, from the registry's specs: printed, or
written in (`make table`)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "layers" / "crossrotate"))

from crossrotate.provider import ProviderSpec
from crossrotate.registry import PROVIDERS

MARKERS = {"providers": "README.md", "passwords": "docs/secret-format.md"}
"""Each table's name (``<!-- name:start -->`` … ``<!-- name:end -->``) and the document it is written into."""


LOGIN = {
    "postgres": "PostgreSQL login (`postgres`)",
    "mysql": "MySQL login (`mysql`)",
    "redis": "Redis `AUTH` (`redis`)",
    None: "the provider's answer only: `host` is refused",
}
"""What proves a new password with ``host`` set (the default ``engine`` in brackets)."""


def own_keys(spec: ProviderSpec) -> str:
    """The secret's keys only this provider reads, and its account rule."""
    keys = [
        f"`{key}` (default `{field.default}`)" if field.default else f"`{key}` (optional)"
        for key, field in spec.fields.items()
    ]
    if spec.only_username:
        keys.append(f"`username` must be `{spec.only_username}`; no `usernames`")
    return ", ".join(keys) or "none"


def rows() -> Iterator[str]:
    yield "| `provider` | database | password API | reset | login proof | its own keys | its endpoint alone |"
    yield "|---|---|---|---|---|---|---|"
    for name, spec in PROVIDERS.items():
        service, action = spec.actions[0].split(":", 1)
        variable = f"{spec.cloud.endpoint_variable}_{spec.service}"
        yield (
            f"| `{name}` | {spec.title} | `{service}` `{action}` | {spec.reset_mode} | {LOGIN[spec.engine]} "
            f"| {own_keys(spec)} | `{variable}` |"
        )


def code(text: str) -> str:
    """``text`` as inline code inside a table cell: ``|`` escaped, wider fences around a backtick."""
    text = text.replace("|", "\\|")
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def password_rows() -> Iterator[str]:
    """Each provider's documented rule, as its :class:`~crossrotate.passwords.PasswordPolicy` holds it."""
    yield "| provider | length | symbols it allows | classes it requires (of lower, upper, digits, symbols) | not first |"  # noqa: E501
    yield "|---|---|---|---|---|"
    for name, spec in PROVIDERS.items():
        policy = spec.password_policy
        first = " ".join(code(c) for c in policy.forbidden_first) or "none"
        length = f"{policy.min_length} to {policy.max_length}"
        yield f"| `{name}` | {length} | {code(policy.symbols)} | {policy.classes_required} | {first} |"


TABLES = {"providers": rows, "passwords": password_rows}


def rewrite(document: Path, name: str) -> None:
    """Replace the table between the document's markers for ``name``."""
    start, end = f"<!-- {name}:start -->\n", f"<!-- {name}:end -->"
    text = document.read_text()
    head, rest = text.split(start, 1)
    document.write_text(head + start + "\n".join(TABLES[name]()) + "\n" + end + rest.split(end, 1)[1])


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        for name, document in MARKERS.items():
            rewrite(Path(__file__).parents[1] / document, name)
    else:
        for table in TABLES.values():
            print("\n".join(table()), end="\n\n")
