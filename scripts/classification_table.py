"""docs/errors.md's classification table, from the tables the code uses: printed, or written in (`make table`)."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "layers" / "crossrotate"))

from crossrotate.aws import SECRETS_MANAGER_ERRORS, SQS_ERRORS, STS_ERRORS
from crossrotate.errors import OWN_CODES, TRANSPORT, Entry
from crossrotate.providers.alibabacloud import sts as alibaba_sts
from crossrotate.providers.huaweicloud import sts as huawei_sts
from crossrotate.providers.tencentcloud import sts as tencent_sts
from crossrotate.registry import PROVIDERS

TABLES: list[tuple[str, Mapping[str, Entry]]] = [
    *(
        (name, {**spec.errors.codes, **{f"{prefix}…": entry for prefix, entry in spec.errors.messages.items()}})
        for name, spec in PROVIDERS.items()
    ),
    (SECRETS_MANAGER_ERRORS.provider, SECRETS_MANAGER_ERRORS.codes),
    (SQS_ERRORS.provider, SQS_ERRORS.codes),
    # Keyless access: each STS's own codes (the cloud's common codes apply too, as for its databases).
    (STS_ERRORS.provider, STS_ERRORS.codes),
    (alibaba_sts.PROVIDER, alibaba_sts.CODES),
    (tencent_sts.PROVIDER, tencent_sts.CODES),
    (huawei_sts.PROVIDER, huawei_sts.CODES),
    ("any provider", TRANSPORT),
    ("rotation", OWN_CODES),
]


def rows() -> Iterator[str]:
    yield "| provider | code | outcome | meaning |"
    yield "|---|---|---|---|"
    for provider, codes in TABLES:
        for code, (retryable, reason) in sorted(codes.items()):
            yield f"| {provider} | `{code}` | {'retryable' if retryable else 'fatal'} | {reason} |"


def rewrite(document: Path) -> None:
    """Replace the table between the document's classification markers."""
    start, end = "<!-- classification:start -->\n", "<!-- classification:end -->"
    text = document.read_text()
    head, rest = text.split(start, 1)
    document.write_text(head + start + "\n".join(rows()) + "\n" + end + rest.split(end, 1)[1])


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        rewrite(Path(__file__).parents[1] / "docs" / "errors.md")
    else:
        print("\n".join(rows()))
