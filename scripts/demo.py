"""`make demo`: a complete local rotation of a TencentDB for PostgreSQL secret through the Lambda handler, step by
step as Secrets Manager calls it, against a local Secrets Manager (moto) and the Tencent Cloud API emulator;
then one retryable and one fatal failure with their classification. No cloud account, no password printed.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
for path in ("layers/crossrotate", "functions/rotator", "tests"):
    sys.path.insert(0, str(ROOT / path))
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")  # the failures' JSON log lines show; routine INFO does not

from emulators.secretsmanager import STEPS, LambdaContext, SecretsManagerDriver, start_secrets_manager  # noqa: E402
from emulators.tencentcloud import TencentPostgresEmulator  # noqa: E402


def main() -> int:
    moto = start_secrets_manager()
    key_id, key_secret = "AKID" + secrets.token_hex(16), secrets.token_urlsafe(24)
    tencent = TencentPostgresEmulator(keys={key_id: key_secret})
    os.environ["TENCENTCLOUD_ENDPOINT_URL"] = tencent.start()
    print(f"Secrets Manager (moto):     {os.environ['AWS_ENDPOINT_URL_SECRETS_MANAGER']}")
    print(f"Tencent Cloud API emulator: {os.environ['TENCENTCLOUD_ENDPOINT_URL']}  (TC3 signatures checked)")

    from app import lambda_handler
    from crossrotate.errors import RotationError
    from crossrotate.passwords import TENCENT_POSTGRES

    driver = SecretsManagerDriver(lambda event: lambda_handler(event, LambdaContext(budget_ms=14_000)))
    driver.create_secret("demo/tencent-api-key", {"secret_id": key_id, "secret_key": key_secret})
    os.environ["TENCENTCLOUD_CREDENTIALS_SECRET"] = "demo/tencent-api-key"
    old_password = "Initial-Passw0rd!" + secrets.token_hex(4)
    tencent.add_account("postgres-4wdeb0zv", "app_user", old_password)
    secret_id = "demo/tencent-postgres"
    driver.create_secret(
        secret_id,
        {
            "provider": "tencentcloud-postgres",
            "region": "ap-guangzhou",
            "instance_id": "postgres-4wdeb0zv",
            "username": "app_user",
            "password": old_password,
            "owner": "payments-team",
        },
    )

    print(f"\n1. Rotating {secret_id}")
    rotation = driver.start_rotation(secret_id)
    print(f"   Secrets Manager created version {rotation.token} as AWSPENDING (no value yet)")
    for step in STEPS:
        driver.step(rotation, step)
        print(f"   {step:<13} ok")
    driver.complete(rotation)
    current, previous = driver.value(secret_id), driver.value(secret_id, "AWSPREVIOUS")
    checks = {
        "AWSCURRENT is the new version": driver.version_with(secret_id, "AWSCURRENT") == rotation.token,
        "the new password obeys Tencent's rules": TENCENT_POSTGRES.violations(current["password"]) == [],
        "the emulator's account holds the AWSCURRENT password": tencent.password_of("postgres-4wdeb0zv", "app_user")
        == current["password"],
        "AWSPREVIOUS holds the old password": previous["password"] == old_password,
        "other keys carried over": current["owner"] == "payments-team",
        "exactly one ResetAccountPassword": len(tencent.calls_of("ResetAccountPassword")) == 1,
    }
    for words, passed in checks.items():
        print(f"   {'✓' if passed else '✗'} {words}")

    print("\n2. A retryable failure: the emulator throttles every ResetAccountPassword")
    rotation = driver.start_rotation(secret_id)
    driver.step(rotation, "createSecret")
    tencent.inject(
        "error",
        action="ResetAccountPassword",
        times=1000,
        code="RequestLimitExceeded",
        message="request limit exceeded",
    )
    failures = [_failure(driver, rotation, "setSecret", RotationError)]
    attempts = len(tencent.calls_of("ResetAccountPassword")) - 1
    print(f"   retried inside the invocation: {attempts} attempts before giving up")

    print("\n3. A fatal failure: the account's CAM policy denies the call")
    tencent.clear_faults()
    tencent.inject(
        "error",
        action="ResetAccountPassword",
        times=1,
        code="OperationDenied.CamDeniedError",
        message="this operation cannot be performed",
    )
    failures.append(_failure(driver, rotation, "setSecret", RotationError))
    still_works = tencent.password_of("postgres-4wdeb0zv", "app_user") == driver.value(secret_id)["password"]
    checks["after both failures AWSCURRENT still holds the password the account accepts"] = still_works
    print(f"   {'✓' if still_works else '✗'} AWSCURRENT still holds the password the account accepts")
    checks["the failures were classified retryable, then fatal"] = failures == [True, False]

    tencent.stop()
    moto.stop()
    passed = all(checks.values())
    print(f"\n{'demo passed' if passed else 'demo FAILED'}: {sum(checks.values())}/{len(checks)} checks")
    return 0 if passed else 1


def _failure(driver: SecretsManagerDriver, rotation: object, step: str, kind: type[Exception]) -> bool | None:
    try:
        driver.step(rotation, step)  # type: ignore[arg-type]
    except kind as error:
        fields = error.as_dict()  # type: ignore[attr-defined]
        print(f"   {type(error).__name__}: code={fields['code']} retryable={fields['retryable']}")
        print(f"   request_id={fields['request_id']}")
        print(f"   message: {fields['message']}")
        return bool(fields["retryable"])
    print("   (no failure?)")
    return None


if __name__ == "__main__":
    sys.exit(main())
