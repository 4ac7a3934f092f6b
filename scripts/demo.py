"""`make demo`: a complete local rotation of a secret of every provider in the registry (TencentDB for PostgreSQL
and for MySQL, ApsaraDB RDS, PolarDB) through the Lambda handler, step by step as Secrets Manager calls it, against
a local Secrets Manager (moto) and the provider API emulators (localcloud); a dual-account secret rotated twice,
alternating between its two accounts without resetting the one in use; then one retryable and one fatal
failure with their classification, and the operator's `cancel` of the rotation they left unfinished. No cloud
account, no password printed, and no provider API key anywhere: the function reaches each provider keyless, with
a token the local AWS STS mints for its role, traded at the cloud's STS for temporary credentials.

What the function itself writes (JSON log lines, EMF metric lines: what CloudWatch would receive) is kept apart
from this report and summarised at the end.
"""

from __future__ import annotations

import collections
import io
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parents[1]
for path in ("layers/crossrotate", "functions/rotator", "."):
    sys.path.insert(0, str(ROOT / path))
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")  # the failures' JSON log lines show; routine INFO does not


REPORT = sys.stdout
FUNCTION_OUTPUT = io.StringIO()
"""Where the function's log and metric lines go: Powertools binds its stream at import, so stdout is swapped first."""
sys.stdout = FUNCTION_OUTPUT

from crossrotate.errors import RotationError  # noqa: E402
from crossrotate.registry import PROVIDERS  # noqa: E402
from localcloud.aws.secretsmanager import STEPS, LambdaContext, Rotation, SecretsManagerDriver  # noqa: E402
from localcloud.cloud import Account, LocalCloud  # noqa: E402

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


def rotate(cloud: LocalCloud, account: Account) -> None:
    driver = cloud.driver
    rotation = driver.start_rotation(account.secret_id)
    say(f"   Secrets Manager created version {rotation.token} as AWSPENDING (no value yet)")
    for step in STEPS:
        driver.step(rotation, step)
        say(f"   {step:<13} ok")
    driver.complete(rotation)
    current = driver.value(account.secret_id)
    name, policy = account.provider, PROVIDERS[account.provider].password_policy
    check(
        f"{name}: AWSCURRENT is the new version", driver.version_with(account.secret_id, "AWSCURRENT") == rotation.token
    )
    check(f"{name}: the new password obeys the provider's rules", policy.violations(current["password"]) == [])
    check(
        f"{name}: the emulator's account holds the AWSCURRENT password",
        cloud.password_of(account) == current["password"],
    )
    previous = driver.value(account.secret_id, "AWSPREVIOUS")["password"]
    check(f"{name}: AWSPREVIOUS holds the old password", previous == account.old_password)
    check(f"{name}: other keys carried over", current["owner"] == "payments-team")
    check(f"{name}: exactly one password reset", cloud.resets(account) == [current["password"]])


def failure(driver: SecretsManagerDriver, rotation: Rotation, step: str) -> bool | None:
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


def invoke(event: dict[str, Any]) -> Any:
    """The handler, as Lambda calls it; what it writes is kept apart from this report."""
    from app import lambda_handler

    try:
        return lambda_handler(event, LambdaContext(budget_ms=14_000))
    finally:
        lines = function_lines()
        LOGGED[:] = [line for line in lines if "_aws" not in line]
        ALL_LINES.extend(lines)


def main() -> int:
    cloud = LocalCloud(invoke=invoke, keyless=True).start()
    say(f"Secrets Manager (moto): {cloud.env['AWS_ENDPOINT_URL_SECRETS_MANAGER']}")
    say(f"{'AWS STS (tokens, issuer):':<32}{cloud.env['AWS_ENDPOINT_URL_STS']}")
    for name, spec in PROVIDERS.items():
        variable = f"{spec.cloud.endpoint_variable}_{spec.service}"
        say(f"{name + ' emulator:':<32}{cloud.env[variable]}  (signatures checked)")
    for name, sts in cloud.sts.items():
        if name != "aws":
            say(f"{name + ' STS:':<32}{sts.url}  (its role trusts the function's AWS role)")
    driver = cloud.driver
    keys = [name for name in cloud.env if name.endswith("_CREDENTIALS_SECRET")] + list(cloud.key_secrets)
    check("no provider API key exists anywhere: none stored, none configured", keys == [])

    accounts = {name: cloud.account(name, owner="payments-team") for name in PROVIDERS}
    for number, account in enumerate(accounts.values(), start=1):
        say(f"\n{number}. Rotating {account.secret_id} ({account.provider})")
        rotate(cloud, account)

    number = len(accounts) + 1
    dual = cloud.account("alibabacloud-rds", "app_a", other="app_b", owner="payments-team")
    say(f"\n{number}. Dual-account rotation of {dual.secret_id}: two accounts, the one in use never reset")
    for _ in range(2):
        in_use = driver.value(dual.secret_id)["username"]
        untouched = cloud.password_of(dual, in_use)
        driver.rotate(dual.secret_id)
        current, previous = driver.value(dual.secret_id), driver.value(dual.secret_id, "AWSPREVIOUS")
        say(f"   rotated: AWSCURRENT is now {current['username']}, AWSPREVIOUS {previous['username']}")
        check(f"the account in use ({in_use}) was not reset", cloud.password_of(dual, in_use) == untouched)
        check(
            "both labelled credentials hold what the provider has",
            cloud.password_of(dual, current["username"]) == current["password"]
            and cloud.password_of(dual, previous["username"]) == previous["password"],
        )
    check("the rotations alternated a → b → a", driver.value(dual.secret_id)["username"] == "app_a")

    account = accounts["tencentcloud-postgres"]
    tencent = cloud.emulators[account.provider]
    say(f"\n{number + 1}. A retryable failure: the Tencent emulator throttles every ResetAccountPassword")
    rotation = driver.start_rotation(account.secret_id)
    driver.step(rotation, "createSecret")
    resets_before = len(cloud.resets(account))
    tencent.inject(
        "error", action="ResetAccountPassword", times=1000, code="RequestLimitExceeded", message="rate limit"
    )
    outcomes = [failure(driver, rotation, "setSecret")]
    say(f"   retried inside the invocation: {len(cloud.resets(account)) - resets_before} attempts, then raised")

    say(f"\n{number + 2}. A fatal failure: CAM denies the call")
    tencent.clear_faults()
    tencent.inject("error", action="ResetAccountPassword", code="OperationDenied.CamDeniedError", message="denied")
    outcomes.append(failure(driver, rotation, "setSecret"))
    still_works = cloud.password_of(account) == driver.value(account.secret_id)["password"]
    check("after both failures AWSCURRENT still holds the password the account accepts", still_works)
    check("the failures were classified retryable, then fatal", outcomes == [True, False])

    say(f"\n{number + 3}. The operator cancels the unfinished rotation (the runbook's one step)")
    tencent.clear_faults()
    pending_before = driver.version_with(account.secret_id, "AWSPENDING")
    (result,) = invoke({"action": "cancel", "secret_id": account.secret_id})["results"]
    say(f"   outcome={result['outcome']}: {result['message']}")
    labels = driver.versions(account.secret_id)
    check("AWSPENDING is gone from the unfinished version", "AWSPENDING" not in labels[pending_before])
    check(
        "the account holds AWSCURRENT's password",
        cloud.password_of(account) == driver.value(account.secret_id)["password"],
    )
    (again,) = invoke({"action": "cancel", "secret_id": account.secret_id})["results"]
    nothing_written = (again["outcome"], driver.versions(account.secret_id)) == ("verified", labels)
    check("cancel again: nothing to cancel, nothing written", nothing_written)

    minted = len(cloud.sts["aws"].calls_of("GetWebIdentityToken"))
    exchanged = sum(len(sts.calls) for name, sts in cloud.sts.items() if name != "aws")
    say(f"\nKeyless: {minted} AWS tokens minted and {exchanged} provider STS exchanges in all, one per cloud's role")
    clouds = len(cloud.sts) - 1  # every cloud's STS, AWS's aside
    check("one token and one exchange per cloud (the credentials are reused)", minted == exchanged == clouds)
    cloud.stop()
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
