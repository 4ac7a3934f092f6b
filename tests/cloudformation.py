"""template.yaml as data: CloudFormation's short-form tags (!Ref, !Sub, !If, …) kept as {"Ref": value}, …"""

from __future__ import annotations

import re
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


NO_VALUE = {"Ref": "AWS::NoValue"}


class Stack:
    """template.yaml deployed, on paper: parameters (defaults, then ``overrides``), conditions decided, intrinsic
    functions evaluated. A resource's ``Ref`` is ``<Name>``, its ``GetAtt`` ``<Name>.<Attribute>``, as placeholders
    that say where a value would come from."""

    def __init__(
        self, template: dict[str, Any], name: str = "crossrotate", overrides: dict[str, Any] | None = None
    ) -> None:
        self.template = template
        self.name = name
        self.parameters: dict[str, Any] = {}
        for key, declared in template.get("Parameters", {}).items():
            value = (overrides or {}).get(key, declared.get("Default", ""))
            if declared["Type"] == "CommaDelimitedList" and isinstance(value, str):
                value = [item for item in value.split(",")] if value else [""]
            self.parameters[key] = value
        self.pseudo = {
            "AWS::StackName": name,
            "AWS::Region": "eu-west-1",
            "AWS::AccountId": "123456789012",
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }

    def holds(self, condition: str) -> bool:
        return bool(self._decide(self.template["Conditions"][condition]))

    def _decide(self, node: Any) -> Any:
        ((function, arguments),) = node.items()
        function = function.removeprefix("Fn::")
        if function == "Condition":
            return self.holds(arguments)
        if function == "Equals":
            left, right = (self.evaluate(a) for a in arguments)
            return left == right
        if function == "Not":
            return not self._decide(arguments[0])
        if function == "Or":
            return any(self._decide(a) for a in arguments)
        if function == "And":
            return all(self._decide(a) for a in arguments)
        raise AssertionError(f"unknown condition function {function}")

    def ref(self, name: str) -> Any:
        if name in self.parameters:
            return self.parameters[name]
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.template["Resources"]:
            return f"<{name}>"
        raise AssertionError(f"!Ref of nothing: {name}")

    def sub(self, text: str, variables: dict[str, Any] | None = None) -> str:
        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            if variables and name in variables:
                return str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                return f"<{name}>"
            found = self.ref(name)
            return ",".join(found) if isinstance(found, list) else str(found)

        return re.sub(r"\$\{([A-Za-z0-9:.]+)\}", value, text)

    def evaluate(self, node: Any) -> Any:
        """``node`` with every intrinsic function evaluated and every ``AWS::NoValue`` left out."""
        if isinstance(node, list):
            return [v for v in (self.evaluate(item) for item in node) if v != NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((function, arguments),) = node.items()
            function = function.removeprefix("Fn::")
            if function == "Ref":
                return NO_VALUE if arguments == "AWS::NoValue" else self.ref(arguments)
            if function == "If":
                condition, yes, no = arguments
                return self.evaluate(yes if self.holds(condition) else no)
            if function == "Sub":
                if isinstance(arguments, list):
                    text, variables = arguments
                    return self.sub(text, {k: self.evaluate(v) for k, v in variables.items()})
                return self.sub(arguments)
            if function == "GetAtt":
                target = arguments if isinstance(arguments, str) else ".".join(arguments)
                return f"<{target}>"
            if function == "Join":
                separator, items = arguments
                return separator.join(str(item) for item in self.evaluate(items))
            if function in ("Equals", "Not", "Or", "And", "Condition"):
                return self._decide(node)
        resolved = {key: self.evaluate(value) for key, value in node.items()}
        return {key: value for key, value in resolved.items() if value != NO_VALUE}

    def resources(self, kind: str) -> dict[str, dict[str, Any]]:
        """The resources of ``kind`` this stack creates (their conditions hold), properties evaluated."""
        return {
            name: self.evaluate(resource.get("Properties", {}))
            for name, resource in self.template["Resources"].items()
            if resource["Type"] == kind and ("Condition" not in resource or self.holds(resource["Condition"]))
        }
