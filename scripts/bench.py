"""`make bench`: cold init, cost per rotation, layer size and memory, measured against the official SDKs, with the
targets checked. Prints a table; with ``--write`` also writes it into docs/performance.md. Exits 1 when a target
is missed.

Everything the function runs, runs as in Lambda: a fresh Python 3.13 process with only boto3 installed (the
runtime's SDK), the layer as `sam build` builds it (``layers/crossrotate/Makefile``) and the function's code on
``PYTHONPATH``, and no bytecode written at run time (``/opt`` is read-only). The SDK-based comparison imports the
official Tencent and Alibaba SDK clients, installed with their dependencies, in the same kind of process.
Rotations run every step in a fresh process, against a local Secrets Manager (moto) and the provider emulators
hosted by this process. Timings depend on the machine; nothing in `make test` or CI depends on them.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "layers" / "crossrotate")]  # this process hosts localcloud
WORK = ROOT / ".venv-bench"
RUNTIME = WORK / "runtime"
LAYER = WORK / "layer"
SDK_HOST = WORK / "sdk"
SDK_ARM64 = WORK / "sdk-arm64"
FUNCTION = ROOT / "functions" / "rotator"
SANDBOX = ROOT / "scripts" / "bench_sandbox.py"

INIT_RUNS = 15
ROTATIONS = 3
STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")


def pinned(requirements: Path, name: str) -> str:
    line = next(line for line in requirements.read_text().splitlines() if line.lower().startswith(name.lower() + "="))
    return line.strip()


def python313() -> str:
    found = shutil.which("python3.13")
    candidates = [found] if found else []
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates += sorted(str(path) for path in pyenv.glob("versions/3.13*/bin/python3.13"))
    for candidate in candidates:
        if subprocess.run([candidate, "--version"], capture_output=True).returncode == 0:
            return candidate
    sys.exit("make bench needs python3.13 (the function's runtime) on PATH or in pyenv")


def prepare(python: str) -> None:
    """The runtime interpreter (Python 3.13 + boto3), the built layer and the SDKs; each made once."""
    dev = ROOT / "requirements-dev.txt"
    pip = ["--quiet", "--disable-pip-version-check"]
    if not (RUNTIME / "bin" / "python").exists():
        subprocess.run([python, "-m", "venv", str(RUNTIME)], check=True)
        subprocess.run([RUNTIME / "bin" / "pip", "install", *pip, pinned(dev, "boto3")], check=True)
    sdks = [pinned(dev, name) for name in SDK_PACKAGES]
    if not SDK_HOST.exists():
        subprocess.run([RUNTIME / "bin" / "pip", "install", *pip, "--target", SDK_HOST, *sdks], check=True)
    if not SDK_ARM64.exists():
        platform = ["--platform", "manylinux2014_aarch64", "--python-version", "3.13", "--only-binary=:all:"]
        subprocess.run([RUNTIME / "bin" / "pip", "install", *pip, *platform, "--target", SDK_ARM64, *sdks], check=True)
    env = {**os.environ, "PATH": f"{Path(python).parent}:{os.environ['PATH']}"}
    build = ["make", "--silent", "-C", ROOT / "layers" / "crossrotate", "build-LibraryLayer", f"ARTIFACTS_DIR={LAYER}"]
    subprocess.run(build, check=True, env=env)


def zipped_size(directory: Path, leave_out: Callable[[Path], bool] = lambda _: False) -> int:
    """Bytes of the directory as the deployment zip (deflate), with its top folder kept as in a layer."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(directory.rglob("*")):
            if path.is_file() and not leave_out(path.relative_to(directory)):
                archive.write(path, Path(directory.name) / path.relative_to(directory))
    return len(buffer.getvalue())


def runtime_env(pythonpath: list[Path], extra: Mapping[str, str] = {}) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", tempfile.gettempdir()),
        "PYTHONPATH": os.pathsep.join(map(str, pythonpath)),
        "PYTHONDONTWRITEBYTECODE": "1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "POWERTOOLS_SERVICE_NAME": "crossrotate",
        "POWERTOOLS_LOG_LEVEL": "INFO",
        **extra,
    }


def import_time(code: str, pythonpath: list[Path]) -> float:
    program = f"import time\nstarted = time.perf_counter()\n{code}\nprint(time.perf_counter() - started)"
    out = subprocess.run(
        [RUNTIME / "bin" / "python", "-c", program],
        env=runtime_env(pythonpath),
        capture_output=True,
        text=True,
        check=True,
        cwd=tempfile.gettempdir(),
    ).stdout
    return float(out.strip().splitlines()[-1])


SDK_PACKAGES = (
    "tencentcloud-sdk-python-postgres",
    "tencentcloud-sdk-python-cdb",
    "alibabacloud-rds20140815",
    "alibabacloud-polardb20170801",
)
SDK_IMPORTS = (
    "import boto3, tencentcloud.postgres.v20170312.postgres_client, tencentcloud.cdb.v20170320.cdb_client, "
    "alibabacloud_rds20140815.client, alibabacloud_polardb20170801.client"
)
SM_CLIENT = "boto3.client('secretsmanager')"


def cold_init() -> dict[str, float]:
    """Medians over interleaved runs, so drift on the machine hits every variant alike."""
    ours = [LAYER / "python", FUNCTION]
    variants = {
        "handler": ("import app", ours),
        "boto3": ("import boto3", []),
        "sdk": (SDK_IMPORTS, [SDK_HOST]),
        "handler+client": ("import app\nfrom crossrotate import runtime\nruntime.secret_store()", ours),
        "boto3+client": (f"import boto3\n{SM_CLIENT}", []),
        "sdk+client": (f"{SDK_IMPORTS}\n{SM_CLIENT}", [SDK_HOST]),
    }
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(INIT_RUNS):
        for name, (code, path) in variants.items():
            samples[name].append(import_time(code, path))
    return {name: statistics.median(values) for name, values in samples.items()}


@dataclass
class Sandbox:
    init_s: float
    handler_s: float
    cpu_s: float
    peak_rss_mb: float
    secrets_manager_calls: list[str]


def run_sandbox(events: list[dict[str, Any]], env: Mapping[str, str]) -> Sandbox:
    with tempfile.NamedTemporaryFile("r", suffix=".json") as result:
        subprocess.run(
            [RUNTIME / "bin" / "python", SANDBOX, result.name],
            input=json.dumps(events),
            env=runtime_env([LAYER / "python", FUNCTION], env),
            capture_output=True,
            text=True,
            check=True,
            cwd=tempfile.gettempdir(),
        )
        return Sandbox(**json.load(result))


@dataclass
class RotationCost:
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    secrets_manager_calls: int
    provider_calls: dict[str, int]
    resets: int
    """Password resets (or reset tasks) this rotation sent."""


def rotate(cloud: Any, account: Any, sandboxes: list[list[str]]) -> RotationCost:
    """One rotation, started as Secrets Manager starts it, with each group of steps run in a fresh sandbox."""
    driver, emulator = cloud.driver, cloud.emulators[account.provider]
    before, resets_before = len(emulator.calls), len(cloud.resets(account))
    rotation = driver.start_rotation(account.secret_id)
    events = {
        step: {"Step": step, "SecretId": account.secret_id, "ClientRequestToken": rotation.token} for step in STEPS
    }
    runs = [run_sandbox([events[step] for step in steps], cloud.env) for steps in sandboxes]
    driver.complete(rotation)
    current = driver.value(account.secret_id)
    if driver.version_with(account.secret_id, "AWSCURRENT") != rotation.token or (
        cloud.password_of(account) != current["password"]
    ):
        raise SystemExit(f"the {account.provider} rotation did not complete")
    calls: dict[str, int] = {}
    for call in emulator.calls[before:]:
        calls[call.action] = calls.get(call.action, 0) + 1
    return RotationCost(
        wall_s=sum(run.init_s + run.handler_s for run in runs),
        cpu_s=sum(run.cpu_s for run in runs),
        peak_rss_mb=max(run.peak_rss_mb for run in runs),
        secrets_manager_calls=sum(len(run.secrets_manager_calls) for run in runs),
        provider_calls=calls,
        resets=len(cloud.resets(account)) - resets_before,
    )


def rotations() -> dict[str, dict[str, RotationCost]]:
    """For each provider of the registry: rotations with every step in a fresh sandbox (the median), and one in a
    warm sandbox, against the local cloud (the steps run in sandboxes, not in this process)."""
    from crossrotate.registry import PROVIDERS
    from localcloud.cloud import LocalCloud

    cloud = LocalCloud().start()
    costs: dict[str, dict[str, RotationCost]] = {}
    try:
        for provider in PROVIDERS:
            account = cloud.account(provider)
            cold = [rotate(cloud, account, [[step] for step in STEPS]) for _ in range(ROTATIONS)]
            median = sorted(cold, key=lambda cost: cost.wall_s)[len(cold) // 2]
            costs[provider] = {"cold": median, "warm": rotate(cloud, account, [list(STEPS)])}
    finally:
        cloud.stop()
    return costs


@dataclass
class Target:
    what: str
    figure: str
    goal: str
    met: bool


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write the table into docs/performance.md")
    arguments = parser.parse_args()

    python = python313()
    print("preparing: Python 3.13 runtime with boto3, the built layer, the official SDKs ...", flush=True)
    prepare(python)
    print(f"cold init: {INIT_RUNS} fresh processes per variant ...", flush=True)
    init = cold_init()
    print(f"rotations: {ROTATIONS} per provider with a fresh process per step, one warm ...", flush=True)
    costs = rotations()

    layer_zip = zipped_size(LAYER / "python")
    sdk_zip = zipped_size(SDK_ARM64, leave_out=lambda path: path.parts[0] == "bin")
    worst_cold = max((cost["cold"] for cost in costs.values()), key=lambda cost: cost.secrets_manager_calls)
    peak_rss = max(c.peak_rss_mb for cost in costs.values() for c in cost.values())
    resets = {p: cost["cold"].resets for p, cost in costs.items()}
    warm_resets = {p: cost["warm"].resets for p, cost in costs.items()}

    ms = lambda seconds: f"{seconds * 1000:.0f} ms"  # noqa: E731
    rows = [
        ("cold init: import the handler", ms(init["handler"])),
        ("cold init: import boto3", ms(init["boto3"])),
        ("cold init: import boto3 + the official SDK clients", ms(init["sdk"])),
        (
            "… and a Secrets Manager client built: handler / boto3 / boto3 + SDKs",
            " / ".join(ms(init[k]) for k in ("handler+client", "boto3+client", "sdk+client")),
        ),
    ]
    for provider, cost in costs.items():
        for kind, label in (("cold", "every step in a fresh sandbox"), ("warm", "one warm sandbox")):
            c = cost[kind]
            provider_calls = ", ".join(f"{count} {action}" for action, count in sorted(c.provider_calls.items()))
            rows.append(
                (
                    f"rotation, {provider}, {label}",
                    f"{ms(c.wall_s)} wall, {ms(c.cpu_s)} CPU; "
                    f"{c.secrets_manager_calls} Secrets Manager calls; {provider_calls}",
                )
            )
    rows += [
        ("layer, zipped (built as `sam build` does)", f"{layer_zip:,} bytes"),
        ("official SDKs with their dependencies, zipped", f"{sdk_zip:,} bytes"),
        ("peak RSS of a rotation process", f"{peak_rss:.0f} MB"),
    ]
    targets = [
        Target(
            "cold init vs import boto3",
            f"{init['handler'] / init['boto3']:.2f}x",
            "≤ 1.3x",
            init["handler"] <= 1.3 * init["boto3"],
        ),
        Target(
            "cold init vs boto3 + SDKs",
            f"{init['handler'] / init['sdk']:.2f}x",
            "≤ 0.35x",
            init["handler"] <= 0.35 * init["sdk"],
        ),
        Target(
            "Secrets Manager calls per rotation, fresh sandboxes",
            str(worst_cold.secrets_manager_calls),
            "≤ 10",
            worst_cold.secrets_manager_calls <= 10,
        ),
        Target(
            "password resets per rotation",
            ", ".join(str(n) for n in [*resets.values(), *warm_resets.values()]),
            "exactly 1",
            all(n == 1 for n in [*resets.values(), *warm_resets.values()]),
        ),
        Target("layer zipped", f"{layer_zip / 1e6:.2f} MB", "≤ 3 MB", layer_zip <= 3_000_000),
        Target("layer vs SDKs zipped", f"{layer_zip / sdk_zip:.2f}x", "(smaller)", layer_zip < sdk_zip),
        Target("peak RSS", f"{peak_rss:.0f} MB", "< 100 MB", peak_rss < 100),
    ]
    table = "\n".join(
        [
            "| measured | figure |",
            "|---|---|",
            *(f"| {what} | {figure} |" for what, figure in rows),
            "",
            "| target | figure | goal | met |",
            "|---|---|---|---|",
            *(f"| {t.what} | {t.figure} | {t.goal} | {'yes' if t.met else '**no**'} |" for t in targets),
        ]
    )
    print()
    print(table)
    if arguments.write:
        page = ROOT / "docs" / "performance.md"
        text = page.read_text()
        block = f"<!-- bench:start -->\n{table}\n<!-- bench:end -->"
        page.write_text(re.sub(r"<!-- bench:start -->.*<!-- bench:end -->", lambda _: block, text, flags=re.S))
        print("\nwritten to docs/performance.md")
    missed = [t.what for t in targets if not t.met]
    print(f"\n{'all targets met' if not missed else 'missed: ' + ', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
