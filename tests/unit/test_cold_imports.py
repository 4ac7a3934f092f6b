"""What a fresh sandbox imports: a rotation step pays only for the code a step runs (each step may start a new
sandbox, and every import is part of its cold start)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from crossrotate.registry import PROVIDERS

ROOT = Path(__file__).parents[2]
PROVIDER_PACKAGES = {f"crossrotate.providers.{PROVIDERS.package_of(name)}" for name in PROVIDERS}


def modules_after(code: str) -> set[str]:
    """The modules a fresh interpreter holds after ``code``, with the layer and the function on its path."""
    program = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    path = [str(ROOT / "layers" / "crossrotate"), str(ROOT / "functions" / "rotator")]
    out = subprocess.run(
        [sys.executable, "-c", program],
        env={"PYTHONPATH": ":".join(path), "POWERTOOLS_SERVICE_NAME": "crossrotate", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(json.loads(out.splitlines()[-1]))


def test_the_handler_imports_no_action_sweep_credentials_provider_or_powertools_code() -> None:
    loaded = modules_after("import app")
    unused_by_steps = {"crossrotate.actions", "crossrotate.sweeps", "crossrotate.credentials", "crossrotate.aws"}
    assert loaded.isdisjoint(unused_by_steps | PROVIDER_PACKAGES)
    assert not {
        name for name in loaded if name.split(".")[0] in ("boto3", "botocore", "httpx", "aws_lambda_powertools")
    }


def test_a_secret_imports_its_own_provider_only() -> None:
    secret = {"provider": "alibabacloud-rds", "region": "cn-hangzhou", "instance_id": "rm-abcd1234"}
    secret |= {"username": "app_user", "password": "x"}
    code = f"from crossrotate.registry import read_secret\nread_secret({json.dumps(json.dumps(secret))}, 'AWSCURRENT')"
    loaded = modules_after(code)
    assert loaded & PROVIDER_PACKAGES == {"crossrotate.providers.alibabacloud.rds"}
