"""`make demo`: complete local rotations of a TencentDB for PostgreSQL secret and an ApsaraDB RDS secret through the
Lambda handler, step by step as Secrets Manager calls it, against a local Secrets Manager (moto) and the two
provider API emulators; then one retryable and one fatal failure with their classification, and the operator's
`cancel` of the rotation they left unfinished. No cloud account, no password printed.

What the function itself writes (JSON log lines, EMF metric lines: what CloudWatch would receive) is kept apart
from this report and summarised at the end.
"""

from __future__ import annotations

import collections
import io
import json
import os
import secrets
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parents[1]
for path in ("layers/crossrotate", "functions/rotator", "."):
    sys.path.insert(0, str(ROOT / path))
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")  # the failures' JSON log lines show; routine INFO does not

from localcloud.alibabacloud import AlibabaRdsEmulator  # noqa: E402
from localcloud.secretsmanager import STEPS, LambdaContext, Rotation, SecretsManagerDriver, start_secrets_manager  # noqa: E402
from localcloud.tencentcloud import TencentPostgresEmulator  # noqa: E402

REPORT = sys.stdout
FUNCTION_OUTPUT = io.StringIO()
"""Where the function's log and metric lines go: Powertools binds its stream at import, so stdout is swapped first."""
sys.stdout = FUNCTION_OUTPUT

checks: dict[str, bool] = {}
LOGGED: list[dict[str, Any]] = []
"""The log lines of the last invocation."""
ALL_LINES: list[dict[str, Any]] = []


def say(text: str = "") -> None:
    print(text, file=REPORT)


def check(words: str, passed: bool) -> None:
    checks[words] = passed
    say(f"   {'✓' if passed else '✗'} {words}")


def function_lines() -> list[dict[str, Any]]:
    """The JSON lines the function wrote since the last call (log lines and EMF metric lines)."""
    text = FUNCTION_OUTPUT.getvalue()
    FUNCTION_OUTPUT.seek(0)
    FUNCTION_OUTPUT.truncate()
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def metric_counts(lines: list[dict[str, Any]]) -> collections.Counter[str]:
    counts: collections.Counter[str] = collections.Counter()
    for line in lines:
        for metric in line.get("_aws", {}).get("CloudWatchMetrics", [{}])[0].get("Metrics", []):
            label = metric["Name"] + (f"[{line['FailureClass']}]" if "FailureClass" in line else "")
            counts[label] += 1
    return counts


def rotate(
    driver: SecretsManagerDriver,
    secret_id: str,
    password_of: Callable[[], str],
    resets: Callable[[], int],
    violations: Callable[[str], list[str]],
) -> None:
    old_password = driver.value(secret_id)["password"]
    rotation = driver.start_rotation(secret_id)
    say(f"   Secrets Manager created version {rotation.token} as AWSPENDING (no value yet)")
    for step in STEPS:
        driver.step(rotation, step)
        say(f"   {step:<13} ok")
    driver.complete(rotation)
    current = driver.value(secret_id)
    name = secret_id.split("/")[-1]
    check(f"{name}: AWSCURRENT is the new version", driver.version_with(secret_id, "AWSCURRENT") == rotation.token)
    check(f"{name}: the new password obeys the provider's rules", violations(current["password"]) == [])
    check(f"{name}: the emulator's account holds the AWSCURRENT password", password_of() == current["password"])
    check(
        f"{name}: AWSPREVIOUS holds the old password",
        driver.value(secret_id, "AWSPREVIOUS")["password"] == old_password,
    )
    check(f"{name}: other keys carried over", current["owner"] == "payments-team")
    check(f"{name}: exactly one ResetAccountPassword", resets() == 1)


def failure(driver: SecretsManagerDriver, rotation: Rotation, step: str) -> bool | None:
    from crossrotate.errors import RotationError

    try:
        driver.step(rotation, step)
    except RotationError as error:
        fields = error.as_dict()
        say(f"   {type(error).__name__}: code={fields['code']} retryable={fields['retryable']}")
        say(f"   request_id={fields['request_id']}")
        say(f"   message: {fields['message']}")
        logged = [line for line in LOGGED if line.get("message") == "rotation failed"]
        if logged:
            say(f'   logged once as "rotation failed": code={logged[-1]["code"]} retryable={logged[-1]["retryable"]}')
        return error.retryable
    say("   (no failure?)")
    return None


def main() -> int:
    moto = start_secrets_manager()
    tencent_key = ("AKID" + secrets.token_hex(16), secrets.token_urlsafe(24))
    alibaba_key = ("LTAI" + secrets.token_hex(10), secrets.token_urlsafe(24))
    tencent = TencentPostgresEmulator(keys={tencent_key[0]: tencent_key[1]})
    alibaba = AlibabaRdsEmulator(keys={alibaba_key[0]: alibaba_key[1]})
    os.environ["TENCENTCLOUD_ENDPOINT_URL"] = tencent.start()
    os.environ["ALIBABACLOUD_ENDPOINT_URL"] = alibaba.start()
    say(f"Secrets Manager (moto):          {os.environ['AWS_ENDPOINT_URL_SECRETS_MANAGER']}")
    say(f"Tencent Cloud API emulator:      {os.environ['TENCENTCLOUD_ENDPOINT_URL']}  (TC3 signatures checked)")
    say(f"Alibaba Cloud OpenAPI emulator:  {os.environ['ALIBABACLOUD_ENDPOINT_URL']}  (V3 and v1 signatures checked)")

    from app import lambda_handler
    from crossrotate.registry import PROVIDERS

    def invoke(event: dict[str, Any]) -> Any:
        try:
            return lambda_handler(event, LambdaContext(budget_ms=14_000))
        finally:
            lines = function_lines()
            LOGGED[:] = [line for line in lines if "_aws" not in line]
            ALL_LINES.extend(lines)

    driver = SecretsManagerDriver(invoke)
    driver.create_secret("demo/tencent-api-key", {"secret_id": tencent_key[0], "secret_key": tencent_key[1]})
    driver.create_secret(
        "demo/alibaba-access-key", {"access_key_id": alibaba_key[0], "access_key_secret": alibaba_key[1]}
    )
    os.environ["TENCENTCLOUD_CREDENTIALS_SECRET"] = "demo/tencent-api-key"
    os.environ["ALIBABACLOUD_CREDENTIALS_SECRET"] = "demo/alibaba-access-key"

    secrets_to_rotate: list[dict[str, Any]] = [
        {"provider": "tencentcloud-postgres", "region": "ap-guangzhou", "instance_id": "postgres-4wdeb0zv"},
        {
            "provider": "alibabacloud-rds",
            "region": "cn-hangzhou",
            "instance_id": "rm-uf6wjk5xxxxxxx",
            "engine": "mysql",
        },
    ]
    emulators: dict[str, Any] = {"tencentcloud-postgres": tencent, "alibabacloud-rds": alibaba}
    policies = {
        "tencentcloud-postgres": PROVIDERS["tencentcloud-postgres"].password_policy,
        "alibabacloud-rds": PROVIDERS["alibabacloud-rds"].password_policy,
    }
    for number, document in enumerate(secrets_to_rotate, start=1):
        provider, instance_id = document["provider"], document["instance_id"]
        emulator = emulators[provider]
        password = "Initial-Passw0rd!" + secrets.token_hex(4)
        emulator.add_account(instance_id, "app_user", password)
        secret_id = f"demo/{provider}"
        driver.create_secret(
            secret_id, {**document, "username": "app_user", "password": password, "owner": "payments-team"}
        )
        say(f"\n{number}. Rotating {secret_id}")
        rotate(
            driver,
            secret_id,
            password_of=lambda e=emulator, i=instance_id: e.password_of(i, "app_user"),  # type: ignore[misc]
            resets=lambda e=emulator: len(e.calls_of("ResetAccountPassword")),  # type: ignore[misc]
            violations=policies[provider].violations,
        )

    secret_id = "demo/tencentcloud-postgres"
    say("\n3. A retryable failure: the Tencent emulator throttles every ResetAccountPassword")
    rotation = driver.start_rotation(secret_id)
    driver.step(rotation, "createSecret")
    tencent.inject(
        "error", action="ResetAccountPassword", times=1000, code="RequestLimitExceeded", message="rate limit"
    )
    outcomes = [failure(driver, rotation, "setSecret")]
    say(f"   retried inside the invocation: {len(tencent.calls_of('ResetAccountPassword')) - 1} attempts, then raised")

    say("\n4. A fatal failure: CAM denies the call")
    tencent.clear_faults()
    tencent.inject("error", action="ResetAccountPassword", code="OperationDenied.CamDeniedError", message="denied")
    outcomes.append(failure(driver, rotation, "setSecret"))
    still_works = tencent.password_of("postgres-4wdeb0zv", "app_user") == driver.value(secret_id)["password"]
    check("after both failures AWSCURRENT still holds the password the account accepts", still_works)
    check("the failures were classified retryable, then fatal", outcomes == [True, False])

    say("\n5. The operator cancels the unfinished rotation (the runbook's one step)")
    tencent.clear_faults()
    pending_before = driver.version_with(secret_id, "AWSPENDING")
    (result,) = invoke({"action": "cancel", "secret_id": secret_id})["results"]
    say(f"   outcome={result['outcome']}: {result['message']}")
    labels = driver.versions(secret_id)
    check("AWSPENDING is gone from the unfinished version", "AWSPENDING" not in labels[pending_before])
    restored = tencent.password_of("postgres-4wdeb0zv", "app_user") == driver.value(secret_id)["password"]
    check("the account holds AWSCURRENT's password", restored)
    (again,) = invoke({"action": "cancel", "secret_id": secret_id})["results"]
    check(
        "cancel again: nothing to cancel, nothing written",
        (again["outcome"], driver.versions(secret_id)) == ("verified", labels),
    )

    tencent.stop()
    alibaba.stop()
    moto.stop()
    counts = metric_counts(ALL_LINES)
    logs = sum("_aws" not in line for line in ALL_LINES)
    say(f"\nThe function wrote {len(ALL_LINES)} JSON lines to stdout, as CloudWatch Logs would receive them:")
    say(f"   {logs} log lines (level ERROR and above in this demo)")
    say("   EMF metrics: " + ", ".join(f"{name} x{n}" for name, n in sorted(counts.items())))
    check("the failures were counted for the alarms", counts["Failures[Retryable]"] == counts["Failures[Fatal]"] == 1)
    passed = all(checks.values())
    say(f"\n{'demo passed' if passed else 'demo FAILED'}: {sum(checks.values())}/{len(checks)} checks")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
