"""template.yaml as data: CloudFormation's short-form tags (!Ref, !Sub, !If, …) kept as {"Ref": value}, …"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).parents[1]


class CloudFormationLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short-form tags kept as {"Fn": value}."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {suffix: value}


CloudFormationLoader.add_multi_constructor("!", _tag)


def load_template(text: str | None = None) -> dict[str, Any]:
    source = text if text is not None else (ROOT / "template.yaml").read_text()
    document: dict[str, Any] = yaml.load(source, Loader=CloudFormationLoader)  # noqa: S506 - a SafeLoader subclass
    return document


def resources_of(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r for r in template["Resources"].values() if r["Type"] == kind]
