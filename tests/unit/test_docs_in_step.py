"""The facts the docs state that the code and the template also state, held together: the environment table, the
stack's outputs, who an error's ``provider`` can be, and the version."""

from __future__ import annotations

import re
import runpy

from cloudformation import ROOT, Stack, load_template

from crossrotate.registry import PROVIDERS
from crossrotate.settings import VARIABLES

LIBRARY = ROOT / "layers" / "crossrotate" / "crossrotate"
SET_BY_LAMBDA = {"AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_INITIALIZATION_TYPE", "_X_AMZN_TRACE_ID"}
READ_BY_BOTO3 = {"AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_SQS"}


def documented_variables() -> set[str]:
    """The variables docs/secret-format.md's environment table lists (its first column)."""
    text = (ROOT / "docs" / "secret-format.md").read_text()
    table = text[text.index("## Environment") :].split("\n\n")[1]
    return {name for row in table.splitlines()[2:] for name in re.findall(r"`([A-Z_<>0-9]+)`", row.split(" | ")[0])}


def variables_the_code_reads() -> set[str]:
    """The settings' variables and each cloud's (its endpoints as one ``_<SERVICE>`` row)."""
    read = set(VARIABLES)
    for cloud in {spec.cloud for spec in PROVIDERS.values()}:
        read |= {
            cloud.credentials_variable,
            cloud.role_variable,
            cloud.identity_provider_variable,
            *dict(cloud.options),
        }
        read |= {cloud.endpoint_variable, f"{cloud.endpoint_variable}_<SERVICE>"}
    return read


def test_only_the_settings_read_the_environment() -> None:
    """So that :data:`VARIABLES` and the clouds' variables are all the function reads."""
    readers = {
        path.relative_to(LIBRARY).as_posix()
        for path in LIBRARY.rglob("*.py")
        if re.search(r"\bos\.environ\b|\bgetenv\(", path.read_text())
    }
    assert readers == {"settings.py"}


def test_the_environment_table_lists_what_the_code_and_the_template_read_and_nothing_else() -> None:
    documented, read = documented_variables(), variables_the_code_reads()
    assert {"SWEEP_QUEUE_URL", "PASSWORD_LENGTH", "LOG_LEVEL"} <= read, "the scan finds them"
    (function,) = Stack(load_template()).resources("AWS::Serverless::Function").values()
    assert (read - SET_BY_LAMBDA) | READ_BY_BOTO3 | set(function["Environment"]["Variables"]) <= documented
    assert documented <= read | READ_BY_BOTO3, "the table lists a variable nothing reads"


def test_the_outputs_operate_md_lists_are_the_templates() -> None:
    text = (ROOT / "docs" / "operate.md").read_text()
    sentence = text[text.index("Its outputs are") :].split(".\n")[0]
    assert set(re.findall(r"`(\w+)`", sentence)) == set(load_template()["Outputs"])


def test_errors_md_names_every_provider_an_error_can_carry() -> None:
    text = (ROOT / "docs" / "errors.md").read_text()
    bullet = text[text.index("- `provider` is") :].split("\n- ")[0]
    named = set(re.findall(r"`([a-z-]+)`", bullet))
    tables = runpy.run_path(str(ROOT / "scripts" / "classification_table.py"))["TABLES"]
    carried = {provider for provider, _ in tables if provider != "any provider"} - set(PROVIDERS)
    assert carried <= named, carried - named
    assert "provider table" in bullet, "the secret's providers are the README's table"


def test_the_readmes_provider_table_is_the_registrys() -> None:
    """`make table` writes it from the specs: a provider added to the registry is in it."""
    rows = "\n".join(runpy.run_path(str(ROOT / "scripts" / "provider_table.py"))["rows"]())
    assert f"<!-- providers:start -->\n{rows}\n<!-- providers:end -->" in (ROOT / "README.md").read_text()
    assert all(f"`{name}`" in rows for name in PROVIDERS)


def test_the_password_table_is_the_policies() -> None:
    """Each provider's password rule is written once, in its spec: secret-format.md's table is made from it."""
    rows = "\n".join(runpy.run_path(str(ROOT / "scripts" / "provider_table.py"))["password_rows"]())
    assert (
        f"<!-- passwords:start -->\n{rows}\n<!-- passwords:end -->" in (ROOT / "docs" / "secret-format.md").read_text()
    )
    assert all(f"`{name}`" in rows for name in PROVIDERS)


def test_one_version_everywhere() -> None:
    template = load_template()["Metadata"]["AWS::ServerlessRepo::Application"]["SemanticVersion"]
    project = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.MULTILINE)
    changelog = re.search(r"^## (\d+\.\d+\.\d+)", (ROOT / "CHANGELOG.md").read_text(), re.MULTILINE)
    assert project
    assert changelog
    assert template == project[1] == changelog[1]
