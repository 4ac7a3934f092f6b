"""`make demo`: complete local rotations of a TencentDB for PostgreSQL secret and an ApsaraDB RDS secret through the
Lambda handler, step by step as Secrets Manager calls it, against a local Secrets Manager (moto) and the two
provider API emulators; then one retryable and one fatal failure with their classification. No cloud account,
no password printed.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parents[1]
for path in ("layers/crossrotate", "functions/rotator", "tests"):
    sys.path.insert(0, str(ROOT / path))
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")  # the failures' JSON log lines show; routine INFO does not

from emulators.alibabacloud import AlibabaRdsEmulator  # noqa: E402
from emulators.secretsmanager import STEPS, LambdaContext, Rotation, SecretsManagerDriver, start_secrets_manager  # noqa: E402
from emulators.tencentcloud import TencentPostgresEmulator  # noqa: E402

checks: dict[str, bool] = {}


def check(words: str, passed: bool) -> None:
    checks[words] = passed
    print(f"   {'✓' if passed else '✗'} {words}")


def rotate(
    driver: SecretsManagerDriver,
    secret_id: str,
    password_of: Callable[[], str],
    resets: Callable[[], int],
    violations: Callable[[str], list[str]],
) -> None:
    old_password = driver.value(secret_id)["password"]
    rotation = driver.start_rotation(secret_id)
    print(f"   Secrets Manager created version {rotation.token} as AWSPENDING (no value yet)")
    for step in STEPS:
        driver.step(rotation, step)
        print(f"   {step:<13} ok")
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
        print(f"   {type(error).__name__}: code={fields['code']} retryable={fields['retryable']}")
        print(f"   request_id={fields['request_id']}")
        print(f"   message: {fields['message']}")
        return error.retryable
    print("   (no failure?)")
    return None


def main() -> int:
    moto = start_secrets_manager()
    tencent_key = ("AKID" + secrets.token_hex(16), secrets.token_urlsafe(24))
    alibaba_key = ("LTAI" + secrets.token_hex(10), secrets.token_urlsafe(24))
    tencent = TencentPostgresEmulator(keys={tencent_key[0]: tencent_key[1]})
    alibaba = AlibabaRdsEmulator(keys={alibaba_key[0]: alibaba_key[1]})
    os.environ["TENCENTCLOUD_ENDPOINT_URL"] = tencent.start()
    os.environ["ALIBABACLOUD_ENDPOINT_URL"] = alibaba.start()
    print(f"Secrets Manager (moto):          {os.environ['AWS_ENDPOINT_URL_SECRETS_MANAGER']}")
    print(f"Tencent Cloud API emulator:      {os.environ['TENCENTCLOUD_ENDPOINT_URL']}  (TC3 signatures checked)")
    print(f"Alibaba Cloud OpenAPI emulator:  {os.environ['ALIBABACLOUD_ENDPOINT_URL']}  (V3 and v1 signatures checked)")

    from app import lambda_handler
    from crossrotate.passwords import ALIBABA_RDS, TENCENT_POSTGRES

    driver = SecretsManagerDriver(lambda event: lambda_handler(event, LambdaContext(budget_ms=14_000)))
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
    policies = {"tencentcloud-postgres": TENCENT_POSTGRES, "alibabacloud-rds": ALIBABA_RDS}
    for number, document in enumerate(secrets_to_rotate, start=1):
        provider, instance_id = document["provider"], document["instance_id"]
        emulator = emulators[provider]
        password = "Initial-Passw0rd!" + secrets.token_hex(4)
        emulator.add_account(instance_id, "app_user", password)
        secret_id = f"demo/{provider}"
        driver.create_secret(
            secret_id, {**document, "username": "app_user", "password": password, "owner": "payments-team"}
        )
        print(f"\n{number}. Rotating {secret_id}")
        rotate(
            driver,
            secret_id,
            password_of=lambda e=emulator, i=instance_id: e.password_of(i, "app_user"),  # type: ignore[misc]
            resets=lambda e=emulator: len(e.calls_of("ResetAccountPassword")),  # type: ignore[misc]
            violations=policies[provider].violations,
        )

    secret_id = "demo/tencentcloud-postgres"
    print("\n3. A retryable failure: the Tencent emulator throttles every ResetAccountPassword")
    rotation = driver.start_rotation(secret_id)
    driver.step(rotation, "createSecret")
    tencent.inject(
        "error", action="ResetAccountPassword", times=1000, code="RequestLimitExceeded", message="rate limit"
    )
    outcomes = [failure(driver, rotation, "setSecret")]
    print(
        f"   retried inside the invocation: {len(tencent.calls_of('ResetAccountPassword')) - 1} attempts, then raised"
    )

    print("\n4. A fatal failure: CAM denies the call")
    tencent.clear_faults()
    tencent.inject("error", action="ResetAccountPassword", code="OperationDenied.CamDeniedError", message="denied")
    outcomes.append(failure(driver, rotation, "setSecret"))
    still_works = tencent.password_of("postgres-4wdeb0zv", "app_user") == driver.value(secret_id)["password"]
    check("after both failures AWSCURRENT still holds the password the account accepts", still_works)
    check("the failures were classified retryable, then fatal", outcomes == [True, False])

    tencent.stop()
    alibaba.stop()
    moto.stop()
    passed = all(checks.values())
    print(f"\n{'demo passed' if passed else 'demo FAILED'}: {sum(checks.values())}/{len(checks)} checks")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
