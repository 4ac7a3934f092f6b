"""`make bench`: cold init, cost per rotation, layer size and memory, measured against the official SDKs, with the
targets checked. Prints a table; with ``--write`` also writes it into docs/performance.md. Exits 1 when a target
is missed.

Everything the function runs, runs as in Lambda: a fresh Python 3.13 process with only boto3 installed (the
runtime's SDK), the layer as `sam build` builds it (``layers/crossrotate/Makefile``) and the function's code on
``PYTHONPATH``, and no bytecode written at run time (``/opt`` is read-only). The SDK-based comparison imports the
official Tencent and Alibaba SDK clients, installed with their dependencies, in the same kind of process.
Rotations run every step in a fresh process, or all four in one warm process, against a local Secrets Manager
(moto), the provider emulators and the STS stand-ins hosted by this process; each runs once with an API key secret
and once keyless (AWS STS token traded at the cloud's STS), interleaved, so what keyless adds is measured against
the same rotation in the same run.

Fleet sweeps (the "Fleet sweeps" block): the planner over 10,000 secrets against moto's Secrets Manager and SQS,
in such a sandbox (the handler, given a sweep event), against a floor (the same ListSecrets and SendMessageBatch
calls from a bare boto3 loop, in the same kind of process), interleaved; its memory; a worker's cost per record
(a verify, the handler given 10-record batches by the local event source mapping, one warm sandbox); and what a
sweep of 10,000 takes at the template's concurrency. Timings depend on the machine; nothing in `make test` or CI
depends on them.
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
import time
import uuid
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
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
IMPORT_TRACES = 5
ROTATIONS = 5
WARM_ROTATIONS = 31
"""A warm rotation costs the function about 15 ms of CPU: more of them, for a steady median."""
STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
KINDS = ("fresh", "warm")
"""Each step in its own fresh process (each Secrets Manager call may start a new sandbox), or all in one warm
process that has already done a rotation."""
FIRST_USE = re.compile(
    r"boto3|httpx|crossrotate\.(aws|credentials|actions|sweeps)|crossrotate\.providers\.[\w.]+|aws_lambda_powertools"
    r"\.utilities\.batch"
)
"""Modules loaded when first needed, never by the handler's import: boto3 and the AWS adapters (the first step's
client), httpx, the credential sources and a provider's package (the secret read names it), the actions and the
sweep code (their events), and Powertools' batch utility (a worker's batch)."""

LAYER_BUDGET = 2_750_000
"""Bytes of the zipped layer. It was 2.5 MB up to six providers; measured at twelve (December 2026), a service's
package costs 9 to 15 KB zipped (source and bytecode, mostly its error table's documented reasons, which every
failure carries) and a cloud's shared modules about 40 KB, and the layer was 2.53 MB. 2.75 MB leaves room for
about fifteen more services, or a cloud and ten, before the next look."""

FLEET = 10_000
"""Secrets a planner run lists and queues."""
FLEET_PAIRS = 3
"""Planner and floor runs, taking turns (A/B/A/B); the figures are medians."""
WORKER_RECORDS = 500
SWEEP_ACTION = "verify"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:{}"
DEFAULT_SWEEP_CONCURRENCY = 4
"""When the template has no SweepConcurrency parameter (yet)."""
PROVIDER_LATENCY_S = (0.3, 0.5)
"""A real provider API call, from a Lambda function in AWS to a Tencent or Alibaba region: what the emulators' few
milliseconds become."""
LAYER_BATCH = WORK / "layer-batch"
BATCH_UTILITIES = "batch data_classes"
"""What ``sweeps.work_batch`` imports of Powertools' utilities (the layer's Makefile keeps only those it names)."""


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


def runtime_boto3() -> tuple[str, str, bool]:
    """The runtime's boto3 and botocore versions, and whether botocore's STS model has GetWebIdentityToken."""
    probe = (
        "import boto3, botocore.session\n"
        "sts = botocore.session.get_session().get_service_model('sts')\n"
        "print(boto3.__version__, botocore.__version__, 'GetWebIdentityToken' in sts.operation_names)"
    )
    out = subprocess.run([RUNTIME / "bin" / "python", "-c", probe], capture_output=True, text=True, check=True)
    boto3_version, botocore_version, has_token = out.stdout.split()
    return boto3_version, botocore_version, has_token == "True"


def runtime_boto3_or_none() -> str | None:
    """The runtime's boto3 version; None when it has none (a runtime just made)."""
    try:
        return runtime_boto3()[0]
    except subprocess.CalledProcessError:
        return None


def version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def build_layer(python: str, directory: Path, *variables: str) -> None:
    """The layer as `sam build` builds it, into ``directory``; ``variables`` override the Makefile's."""
    env = {**os.environ, "PATH": f"{Path(python).parent}:{os.environ['PATH']}"}
    make = [
        "make",
        "--silent",
        "-C",
        ROOT / "layers" / "crossrotate",
        "build-LibraryLayer",
        f"ARTIFACTS_DIR={directory}",
    ]
    subprocess.run([*make, *variables], check=True, env=env)


def prepare(python: str) -> None:
    """The runtime interpreter (Python 3.13 + boto3), the built layer and the SDKs; each made once. The runtime's
    boto3 follows the pin when the pin moves (a runtime made before would keep measuring the old one), and must
    know sts:GetWebIdentityToken, or every keyless rotation would fail."""
    from crossrotate.aws import MINIMUM_BOTOCORE

    dev = ROOT / "requirements-dev.txt"
    pip = ["--quiet", "--disable-pip-version-check"]
    if not (RUNTIME / "bin" / "python").exists():
        subprocess.run([python, "-m", "venv", str(RUNTIME)], check=True)
    boto3_pin = pinned(dev, "boto3")
    if runtime_boto3_or_none() != boto3_pin.split("==")[1]:
        subprocess.run([RUNTIME / "bin" / "pip", "install", *pip, boto3_pin], check=True)
    _, botocore_version, has_token = runtime_boto3()
    if version(botocore_version) < version(MINIMUM_BOTOCORE) or not has_token:
        sys.exit(f"the bench runtime's botocore {botocore_version} lacks GetWebIdentityToken ({MINIMUM_BOTOCORE}+)")
    sdks = [pinned(dev, name) for name in SDK_PACKAGES]
    if not SDK_HOST.exists():
        subprocess.run([RUNTIME / "bin" / "pip", "install", *pip, "--target", SDK_HOST, *sdks], check=True)
    if not SDK_ARM64.exists():
        platform = ["--platform", "manylinux2014_aarch64", "--python-version", "3.13", "--only-binary=:all:"]
        subprocess.run([RUNTIME / "bin" / "pip", "install", *pip, *platform, "--target", SDK_ARM64, *sdks], check=True)
    build_layer(python, LAYER)


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
class InitImports:
    modules: list[str]
    """Every module loaded once ``import app`` returns."""
    own_ms: dict[str, float]
    """Import time by whose modules (``-X importtime``'s own time per module, summed; median of the traces)."""

    @property
    def first_use(self) -> list[str]:
        return [name for name in self.modules if FIRST_USE.fullmatch(name)]


IMPORT_TIME_LINE = re.compile(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)$")


def init_imports() -> InitImports:
    """What the cold-init measurement imports, traced by ``-X importtime`` in separate runs (tracing slows an
    import, so these runs are not the timed ones)."""
    program = "import app, json, sys\nprint(json.dumps(sorted(sys.modules)))"
    modules: list[str] = []
    traces: list[dict[str, int]] = []
    for _ in range(IMPORT_TRACES):
        run = subprocess.run(
            [RUNTIME / "bin" / "python", "-X", "importtime", "-c", program],
            env=runtime_env([LAYER / "python", FUNCTION]),
            capture_output=True,
            text=True,
            check=True,
            cwd=tempfile.gettempdir(),
        )
        modules = json.loads(run.stdout)
        by_whom: dict[str, int] = {}
        for line in map(IMPORT_TIME_LINE.match, run.stderr.splitlines()):
            if line:
                whose = IMPORTERS.get(line[2].split(".")[0], "the standard library and the rest")
                by_whom[whose] = by_whom.get(whose, 0) + int(line[1])
        traces.append(by_whom)
    whom = sorted({name for trace in traces for name in trace})
    return InitImports(modules, {w: statistics.median(t.get(w, 0) for t in traces) / 1000 for w in whom})


IMPORTERS = {
    "crossrotate": "crossrotate",
    "app": "crossrotate",
    "aws_lambda_powertools": "Powertools",
    "typing_extensions": "Powertools",
    "jmespath": "Powertools",
}
"""Whose modules, by top-level package: Powertools brings typing_extensions and jmespath (botocore, which it also
imports for its user-agent hook, is the runtime's, counted with the rest)."""


@dataclass
class Sandbox:
    init_s: float
    """Importing the handler (or the floor)."""
    handler_s: float
    cpu_s: float
    peak_rss_mb: float
    handler_cpu_s: float = 0.0
    """CPU time of the handler calls alone (the process's, not the local cloud's)."""
    rss_before_mb: float = 0.0
    """RSS once the handler is imported, before the first event."""
    heap_peak_mb: float | None = None
    """With ``--tracemalloc``: the Python heap's peak while the events ran."""
    calls: dict[str, int] | None = None
    """With ``--count-calls``: every AWS call, by operation."""
    responses: list[Any] | None = None
    spawn_to_exit_s: float = 0.0
    """What a user pays for a fresh sandbox, seen from outside: from spawning the process to its exit right after
    the last handler returned (the interpreter's start, every import the handler path needs, the events). The
    sandbox then ends with ``os._exit``, as a Lambda sandbox is frozen and killed, never shut down."""
    process_cpu_s: float = 0.0
    """The whole process's CPU time (user + system, from ``wait4``), its start and exit included."""


def run_sandbox(
    events: list[dict[str, Any]], env: Mapping[str, str], arguments: Sequence[str] = (), layer: Path = LAYER
) -> Sandbox:
    """One fresh sandbox given ``events``, timed from spawn to exit by this process."""
    with tempfile.NamedTemporaryFile("r", suffix=".json") as result, tempfile.TemporaryFile("w+") as output:
        started = time.perf_counter()
        process = subprocess.Popen(
            [RUNTIME / "bin" / "python", SANDBOX, result.name, *arguments],
            stdin=subprocess.PIPE,
            stdout=output,
            stderr=output,
            env=runtime_env([layer / "python", FUNCTION], env),
            text=True,
            cwd=tempfile.gettempdir(),
        )
        assert process.stdin is not None
        process.stdin.write(json.dumps(events))
        process.stdin.close()
        _, status, usage = os.wait4(process.pid, 0)
        spawn_to_exit_s = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode:
            output.seek(0)
            raise SystemExit(f"a sandbox failed ({' '.join(arguments) or 'rotation'}):\n{output.read()[-3000:]}")
        return Sandbox(
            **json.load(result), spawn_to_exit_s=spawn_to_exit_s, process_cpu_s=usage.ru_utime + usage.ru_stime
        )


class WarmSandbox:
    """One sandbox invoked again and again, as a warm function is: one event per line in, one reply per line out."""

    def __init__(self, env: Mapping[str, str], arguments: Sequence[str], layer: Path = LAYER) -> None:
        self.result = tempfile.NamedTemporaryFile("r", suffix=".json")  # noqa: SIM115 - closed in finish()
        self.log = tempfile.TemporaryFile("w+")  # noqa: SIM115 - closed in finish()
        self.process = subprocess.Popen(
            [RUNTIME / "bin" / "python", SANDBOX, self.result.name, "--serve", *arguments],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            env=runtime_env([layer / "python", FUNCTION], env),
            text=True,
            cwd=tempfile.gettempdir(),
        )
        self.replies: list[dict[str, Any]] = []
        """Per invocation: ``handler_s``, ``handler_cpu_s``, and the records it was given (``records``)."""

    def invoke(self, event: dict[str, Any]) -> Any:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(json.dumps(event) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            self.log.seek(0)
            raise SystemExit(f"a warm sandbox failed:\n{self.log.read()[-3000:]}")
        reply = json.loads(line)
        self.replies.append({**reply, "records": len(event.get("Records", ()))})
        return reply["response"]

    def finish(self) -> tuple[Sandbox, list[dict[str, Any]]]:
        """The sandbox's own figures and the function's log lines."""
        assert self.process.stdin
        self.process.stdin.close()
        self.process.wait()
        self.log.seek(0)
        lines = [json.loads(line) for line in self.log if line.startswith("{")]
        sandbox = Sandbox(**json.load(self.result))
        self.result.close()
        self.log.close()
        return sandbox, lines


@dataclass
class RotationCost:
    wall_s: float
    """Fresh sandboxes: the sum of their spawn-to-exit times. One warm sandbox: its handler calls' wall time."""
    init_s: float
    """Fresh sandboxes: importing the handler (or the floor), summed; warm: 0."""
    handler_s: float
    cpu_s: float
    """Fresh: the sandboxes' whole CPU time; warm: the handler calls' CPU time."""
    peak_rss_mb: float
    secrets_manager_calls: int
    key_reads: int
    """Of those, reads of an API key secret."""
    provider_calls: dict[str, int]
    exchange_calls: dict[str, int]
    """AWS STS tokens and the cloud's STS exchanges, by action: what keyless adds."""
    most_exchange_calls: int
    """The most exchange calls one sandbox made: a process is a cache lifetime of temporary credentials."""
    provider_steps: list[str]
    """The sandboxes that called the provider's API (each needs credentials), by their steps."""
    sandboxes: int
    resets: int
    """Password resets (or reset tasks) this rotation sent."""

    def calls(self) -> dict[str, int]:
        """Every call the rotation made, by API (Secrets Manager as one) or action."""
        return {"Secrets Manager": self.secrets_manager_calls, **self.provider_calls, **self.exchange_calls}


@dataclass
class Variant:
    """A kind of secret the bench rotates: how it reaches its provider, and whether it names two accounts."""

    name: str
    access: str
    """LocalCloud's ``account(access=…)``: ``api-key`` (the secret names an API key secret) or ``keyless``."""
    dual: bool


VARIANTS = (
    Variant("API key", "api-key", False),
    Variant("keyless", "keyless", False),
    Variant("dual", "api-key", True),
)


def variants_of(provider: str) -> tuple[Variant, ...]:
    """The variants a provider has: no dual-account one where the service resets one account only."""
    from crossrotate.registry import PROVIDERS

    return tuple(v for v in VARIANTS if not (v.dual and PROVIDERS[provider].only_username))


SIDES = ("function", "floor")
"""The product, and the floor (``scripts/rotation_floor.py``): the same calls with none of the product's logic."""
SIDE_ARGUMENTS = {"function": [], "floor": ["--rotation-floor"]}


def side_env(cloud: Any, side: str) -> dict[str, str]:
    """The cloud's environment; the floor's also says each provider's calls (the function needs no such help)."""
    from localcloud.cloud import floor_environment

    return {**cloud.env, **(floor_environment() if side == "floor" else {})}


class Tally:
    """Calls each boundary has seen for one account's rotations: the local Secrets Manager (moto's server), the
    provider's emulator, AWS STS (tokens) and the cloud's STS (exchanges). Counted where they arrive, so the timed
    sandboxes carry no instrument."""

    def __init__(self, cloud: Any, account: Any) -> None:
        from crossrotate.registry import PROVIDERS

        aws_sts, clouds_sts = cloud.sts["aws"], cloud.sts[PROVIDERS[account.provider].cloud.name]
        self.boundaries = {
            "aws": cloud.moto.calls,
            "provider": cloud.emulators[account.provider].calls,
            "sts": aws_sts.calls,
            "cloud sts": clouds_sts.calls,
        }
        self.exchanges = (aws_sts.action, clouds_sts.action)  # AWS STS also serves the issuer's keys: not counted
        self.mark()

    def mark(self) -> None:
        self.marks = {name: len(calls) for name, calls in self.boundaries.items()}

    def since_mark(self) -> tuple[list[Any], dict[str, int], dict[str, int]]:
        """Secrets Manager calls, provider calls and exchanges (by action) since :meth:`mark`; marks anew."""
        new = {name: calls[self.marks[name] :] for name, calls in self.boundaries.items()}
        self.mark()
        aws = [call for call in new["aws"] if call.service == "secretsmanager"]
        exchanged = [call.action for call in new["sts"] + new["cloud sts"] if call.action in self.exchanges]
        return aws, dict(Counter(call.action for call in new["provider"])), dict(Counter(exchanged))


def merged(counts: list[dict[str, int]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for count in counts:
        for action, n in count.items():
            total[action] = total.get(action, 0) + n
    return total


def rotation_events(account: Any, token: str) -> list[dict[str, Any]]:
    return [{"Step": step, "SecretId": account.secret_id, "ClientRequestToken": token} for step in STEPS]


def rotate(
    cloud: Any, account: Any, run: Callable[[list[dict[str, Any]]], list[Sandbox]], warm: bool = False
) -> RotationCost:
    """One rotation of ``account`` started as Secrets Manager starts it; ``run`` runs its steps (each group of
    steps in one sandbox) and returns what each sandbox measured. Checked: the rotation completed, and the
    provider holds the new password of the account now current."""
    driver = cloud.driver
    resets_before = len(cloud.resets(account))
    rotation = driver.start_rotation(account.secret_id)
    tally = Tally(cloud, account)
    events = rotation_events(account, rotation.token)
    groups = [events] if warm else [[event] for event in events]
    runs, aws, provider, exchanges = [], [], [], []
    for group in groups:
        runs += run(group)
        calls = tally.since_mark()
        aws += calls[0]
        provider.append(calls[1])
        exchanges.append(calls[2])
    driver.complete(rotation)
    current = driver.value(account.secret_id)
    if driver.version_with(account.secret_id, "AWSCURRENT") != rotation.token or (
        cloud.password_of(account, current["username"]) != current["password"]
    ):
        raise SystemExit(f"the {account.provider} rotation did not complete")
    key_secrets = set(cloud.key_secrets.values())
    return RotationCost(
        wall_s=sum(r.handler_s for r in runs) if warm else sum(r.spawn_to_exit_s for r in runs),
        init_s=0.0 if warm else sum(r.init_s for r in runs),
        handler_s=sum(r.handler_s for r in runs),
        cpu_s=sum(r.handler_cpu_s for r in runs) if warm else sum(r.process_cpu_s for r in runs),
        peak_rss_mb=max(r.peak_rss_mb for r in runs),
        secrets_manager_calls=len(aws),
        key_reads=sum(call.params.get("SecretId") in key_secrets for call in aws),
        provider_calls=merged(provider),
        exchange_calls=merged(exchanges),
        most_exchange_calls=max(sum(calls.values()) for calls in exchanges),
        provider_steps=[group[0]["Step"] for group, calls in zip(groups, provider, strict=True) if calls],
        sandboxes=len(groups),
        resets=len(cloud.resets(account)) - resets_before,
    )


def served(sandbox: WarmSandbox) -> Callable[[list[dict[str, Any]]], list[Sandbox]]:
    """Run steps in a warm sandbox: one Sandbox per step, with its handler's wall and CPU time."""

    def run(events: list[dict[str, Any]]) -> list[Sandbox]:
        results = []
        for event in events:
            sandbox.invoke(event)
            reply = sandbox.replies[-1]
            results.append(Sandbox(0.0, reply["handler_s"], 0.0, 0.0, handler_cpu_s=reply["handler_cpu_s"]))
        return results

    return run


Runs = dict[tuple[str, str, str], list[RotationCost]]
"""A provider's rotations by (side, variant name, kind: ``fresh`` or ``warm``)."""


def rotations() -> dict[str, Runs]:
    """For each provider of the registry and each variant (API key, keyless, dual-account), :data:`ROTATIONS`
    rotations by the function and by the floor, taking turns: with every step in a fresh sandbox, then in one
    warm sandbox per side that has already done one rotation (not counted). Both sides rotate the same secret,
    against the local cloud; the steps run in sandboxes, not in this process."""
    from crossrotate.registry import PROVIDERS
    from localcloud.cloud import LocalCloud

    cloud = LocalCloud().start()  # API key secrets in the environment; keyless secrets name their role
    runs: dict[str, Runs] = {}
    try:
        for provider in PROVIDERS:
            accounts = {
                v.name: cloud.account(provider, access=v.access, other="app_user_b" if v.dual else None)
                for v in variants_of(provider)
            }
            runs[provider] = {
                (side, v.name, kind): [] for side in SIDES for v in variants_of(provider) for kind in ("fresh", "warm")
            }
            for turn in range(ROTATIONS):
                for variant in variants_of(provider):
                    for side in taking_turns(SIDES, turn):
                        fresh = fresh_sandboxes(side_env(cloud, side), SIDE_ARGUMENTS[side])
                        runs[provider][side, variant.name, "fresh"].append(rotate(cloud, accounts[variant.name], fresh))
            for variant in variants_of(provider):
                account = accounts[variant.name]
                sandboxes = {side: WarmSandbox(side_env(cloud, side), SIDE_ARGUMENTS[side]) for side in SIDES}
                try:
                    for sandbox in sandboxes.values():
                        rotate(cloud, account, served(sandbox), warm=True)  # warming up: not counted
                    for turn in range(WARM_ROTATIONS):
                        for side in taking_turns(SIDES, turn):
                            cost = rotate(cloud, account, served(sandboxes[side]), warm=True)
                            runs[provider][side, variant.name, "warm"].append(cost)
                finally:
                    for sandbox in sandboxes.values():
                        sandbox.finish()
    finally:
        cloud.stop()
    return runs


def taking_turns(sides: Sequence[str], turn: int) -> Sequence[str]:
    """The sides in the order they go this turn: each goes first every other turn. Whichever runs second runs
    straight after the other's rotation, the first after the bench's own work between rotations; about 1% of a
    warm rotation's CPU, which would otherwise always fall on the same side."""
    return sides if turn % 2 == 0 else sides[::-1]


def fresh_sandboxes(env: Mapping[str, str], arguments: list[str]) -> Callable[[list[dict[str, Any]]], list[Sandbox]]:
    return lambda events: [run_sandbox(events, env, arguments)]


def median(costs: list[RotationCost], field: str = "wall_s") -> RotationCost:
    """The rotation of median ``field`` (:data:`ROTATIONS` and :data:`WARM_ROTATIONS` are odd)."""
    return sorted(costs, key=lambda cost: float(getattr(cost, field)))[len(costs) // 2]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def calls_text(calls: dict[str, int]) -> str:
    return ", ".join(f"{count} {action}" for action, count in sorted(calls.items()))


@dataclass
class FloorRatio:
    """One variant of one provider: the function's median cost against the floor's, fresh and warm."""

    provider: str
    variant: str
    fresh: tuple[RotationCost, RotationCost]
    """(function, floor), the medians of spawn-to-exit."""
    warm: tuple[RotationCost, RotationCost]
    """(function, floor), the medians of CPU time."""
    warm_pairs: list[float]
    """Each warm rotation's CPU over the floor's rotation run next to it (each side goes first every other
    turn)."""
    same_calls: bool
    """Every rotation of both sides made the same calls, by API and action."""

    @property
    def cold(self) -> float:
        return self.fresh[0].wall_s / self.fresh[1].wall_s

    @property
    def warm_cpu(self) -> float:
        """The median of the paired ratios: a warm rotation is about 15 ms of CPU, and the machine's speed drifts
        more than that between rotations; each pair ran back to back, so the drift cancels within it."""
        return float(statistics.median(self.warm_pairs))

    def row(self) -> tuple[str, ...]:
        (function, floor), (warm, warm_floor) = self.fresh, self.warm
        return (
            f"{self.provider}, {self.variant}",
            f"{ms(function.wall_s)} (init {ms(function.init_s)}, handler {ms(function.handler_s)}); "
            f"{ms(function.cpu_s)} CPU",
            f"{ms(floor.wall_s)} (init {ms(floor.init_s)}, handler {ms(floor.handler_s)}); {ms(floor.cpu_s)} CPU",
            f"{self.cold:.2f}x",
            f"{ms(warm.cpu_s)} CPU ({ms(warm.wall_s)} wall)",
            f"{ms(warm_floor.cpu_s)} CPU ({ms(warm_floor.wall_s)} wall)",
            f"{self.warm_cpu:.2f}x (pairs {min(self.warm_pairs):.2f} to {max(self.warm_pairs):.2f})",
            f"{function.secrets_manager_calls} Secrets Manager; "
            + calls_text({**function.provider_calls, **function.exchange_calls})
            + ("" if self.same_calls else " (**the floor's differ**)"),
        )


def floor_ratios(runs: dict[str, Runs]) -> list[FloorRatio]:
    ratios = []
    for provider, r in runs.items():
        for variant in variants_of(provider):
            fresh = tuple(median(r[side, variant.name, "fresh"]) for side in SIDES)
            warm = tuple(median(r[side, variant.name, "warm"], "cpu_s") for side in SIDES)
            pairs = zip(r["function", variant.name, "warm"], r["floor", variant.name, "warm"], strict=True)
            warm_pairs = [function.cpu_s / floor.cpu_s for function, floor in pairs]
            same = all(
                function.calls() == floor.calls()
                for kind in KINDS
                for function, floor in zip(
                    r["function", variant.name, kind], r["floor", variant.name, kind], strict=True
                )
            )
            ratios.append(FloorRatio(provider, variant.name, fresh, warm, warm_pairs, same))  # type: ignore[arg-type]
    return ratios


def keyless_row(provider: str, kind: str, runs: Runs) -> tuple[str, ...]:
    """One row of the keyless table: the median keyless rotation against the median API key one of the same run."""
    key, keyless = median(runs["function", "API key", kind]), median(runs["function", "keyless", kind])
    apis = {**key.calls(), **keyless.calls()}  # in call order: Secrets Manager, the provider, AWS STS, the cloud's STS
    diff = {api: keyless.calls().get(api, 0) - key.calls().get(api, 0) for api in apis}
    changes = ", ".join(f"{n:+d} {api}" for api, n in sorted(diff.items(), key=lambda item: item[1] < 0) if n)
    label = "every step in a fresh sandbox (spawn to exit)" if kind == "fresh" else "one warm sandbox (handler)"
    steps = f" ({', '.join(keyless.provider_steps)})" if kind == "fresh" else ""
    return (
        f"{provider}, {label}",
        f"{sum(n for n in diff.values() if n > 0)}: {changes}",
        f"{len(keyless.provider_steps)} of {keyless.sandboxes}{steps}",
        f"{ms(key.wall_s)} → {ms(keyless.wall_s)} ({(keyless.wall_s - key.wall_s) * 1000:+.0f} ms)",
        f"{keyless.wall_s / key.wall_s:.2f}x",
    )


@dataclass
class Target:
    what: str
    figure: str
    goal: str
    met: bool


def each(values: Iterable[int]) -> str:
    """One figure per provider, or the one they share."""
    figures = [str(value) for value in values]
    return f"{figures[0]} (each provider)" if len(set(figures)) == 1 else " / ".join(figures)


def keyless_targets(runs: dict[str, Runs], init: InitImports) -> list[Target]:
    """Keyless adds at most one AWS STS token and one exchange per role per cache lifetime (a process) and none
    once the process holds the credentials; it reads no API key secret; and the handler imports none of its
    first-use modules."""
    fresh = [median(r["function", "keyless", "fresh"]) for r in runs.values()]
    warm = [cost for r in runs.values() for cost in r["function", "keyless", "warm"]]
    every = [cost for r in runs.values() for cost in r["function", "keyless", "fresh"] + warm]
    pairs = [
        (median(r["function", "API key", "fresh"]), median(r["function", "keyless", "fresh"])) for r in runs.values()
    ]
    fewer = sorted({key.secrets_manager_calls - keyless.secrets_manager_calls for key, keyless in pairs})
    key_reads = sorted({key.key_reads for key, _ in pairs})
    steps = sorted({step for cost in fresh for step in cost.provider_steps})
    return [
        Target(
            "keyless: extra calls per rotation, every step in a fresh sandbox (each exchanges anew)",
            f"{each(sum(cost.exchange_calls.values()) for cost in fresh)}: 1 token + 1 exchange in each sandbox "
            f"that calls the provider ({', '.join(steps)}); at most {max(c.most_exchange_calls for c in every)} "
            "in one sandbox",
            "≤ 2 per sandbox",
            all(cost.most_exchange_calls <= 2 for cost in every),
        ),
        Target(
            "keyless: extra calls in a warm sandbox holding the credentials (every warm rotation)",
            str(max(sum(cost.exchange_calls.values()) for cost in warm)),
            "0",
            all(not cost.exchange_calls for cost in warm),
        ),
        Target(
            "keyless: Secrets Manager calls vs API key, fresh sandboxes",
            f"fewer by {', '.join(map(str, fewer))}",
            f"fewer by the API key reads ({', '.join(map(str, key_reads))})",
            all(key.secrets_manager_calls - keyless.secrets_manager_calls == key.key_reads for key, keyless in pairs)
            and all(cost.key_reads == 0 for cost in every),
        ),
        Target(
            "first-use modules in the handler's import (boto3, httpx, credentials, providers, actions, sweeps)",
            ", ".join(init.first_use) or "none",
            "none",
            not init.first_use,
        ),
    ]


@dataclass
class FunctionSettings:
    """What template.yaml gives the function."""

    timeout_s: int
    memory_mb: int
    sweep_concurrency: int
    concurrency_in_template: bool
    """False: the template has no SweepConcurrency parameter, and :data:`DEFAULT_SWEEP_CONCURRENCY` stands in."""


def function_settings() -> FunctionSettings:
    """The rotation function's Timeout and MemorySize (its own, else Globals', else SAM's defaults) and the
    SweepConcurrency parameter's Default, read from template.yaml as it is now."""
    import yaml

    class Template(yaml.SafeLoader):
        """YAML with CloudFormation's short-form functions (``!Ref``…), read as nothing."""

    Template.add_multi_constructor("!", lambda loader, suffix, node: None)
    template = yaml.load((ROOT / "template.yaml").read_text(), Loader=Template)  # noqa: S506 - a SafeLoader
    function = next(
        resource.get("Properties", {})
        for resource in template["Resources"].values()
        if resource.get("Type") == "AWS::Serverless::Function"
        and resource.get("Properties", {}).get("Handler") == "app.lambda_handler"
    )
    globals_ = (template.get("Globals") or {}).get("Function") or {}
    concurrency = (template.get("Parameters") or {}).get("SweepConcurrency", {}).get("Default")
    return FunctionSettings(
        timeout_s=int(function.get("Timeout", globals_.get("Timeout", 3))),
        memory_mb=int(function.get("MemorySize", globals_.get("MemorySize", 128))),
        sweep_concurrency=int(concurrency) if concurrency is not None else DEFAULT_SWEEP_CONCURRENCY,
        concurrency_in_template=concurrency is not None,
    )


def enroll(secret_ids: Iterable[str], function_arn: str) -> None:
    """Make ``function_arn`` each secret's rotation function, with rotation on, and remove the empty AWSPENDING
    moto leaves when it cannot invoke the function: test_fleet's setup, through moto's backend in this process
    (the server runs the same model code behind its API), not three HTTP calls per secret."""
    from moto.secretsmanager.models import secretsmanager_backends

    from localcloud.aws.secretsmanager import ACCOUNT, REGION

    backend = secretsmanager_backends[ACCOUNT][REGION]
    for secret_id in secret_ids:
        started = backend.rotate_secret(
            secret_id, rotation_lambda_arn=function_arn, rotation_rules={"AutomaticallyAfterDays": 30}
        )
        backend.update_secret_version_stage(secret_id, "AWSPENDING", json.loads(started)["VersionId"], None)


def make_fleet(size: int, function_arn: str) -> None:
    """``size`` secrets shaped as LocalCloud's (a provider, an instance, an account), rotated by ``function_arn``;
    made in moto's backend (0.5 ms a secret instead of about 10 ms through the API), then checked through it."""
    from moto.secretsmanager.models import secretsmanager_backends

    from crossrotate.registry import PROVIDERS
    from localcloud.aws.secretsmanager import ACCOUNT, REGION, client
    from localcloud.cloud import KITS

    backend = secretsmanager_backends[ACCOUNT][REGION]
    names = []
    for number in range(size):
        provider = list(PROVIDERS)[number % len(PROVIDERS)]
        kit = KITS[provider]
        document = {
            "provider": provider,
            "region": kit.region,
            "instance_id": kit.new_instance_id(),
            "username": "app_user",
            "password": "Initial-Passw0rd!" + uuid.uuid4().hex[:8],
        }
        names.append(f"localcloud/{provider}/{uuid.uuid4().hex[:12]}")
        backend.create_secret(names[-1], json.dumps(document), None, None, None, None, None, [], False)
    enroll(names, function_arn)
    described = client().describe_secret(SecretId=names[-1])
    stages = [stage for stages in described["VersionIdsToStages"].values() for stage in stages]
    if not (described.get("RotationEnabled") and described.get("RotationLambdaARN") == function_arn) or (
        "AWSPENDING" in stages
    ):
        raise SystemExit(f"the fleet's secrets are not set up as a rotated secret: {described}")


def queued(url: str) -> int:
    from localcloud.aws.sqs import sqs_client

    attributes = sqs_client().get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def plan_once(env: Mapping[str, str], settings: FunctionSettings, size: int, floor: bool, *extra: str) -> Sandbox:
    """One planner run (the handler given a sweep event) or the floor's, in a fresh sandbox, into a fresh queue,
    checked: ``size`` messages queued."""
    from localcloud.aws.sqs import sqs_client

    sqs, sweep_id = sqs_client(), f"bench-{uuid.uuid4().hex[:12]}"
    url = sqs.create_queue(QueueName=sweep_id)["QueueUrl"]
    arguments = ["--function-arn", FUNCTION_ARN.format("crossrotate-fleet"), "--remaining-ms"]
    arguments += [str(settings.timeout_s * 1000), *(["--floor", sweep_id] if floor else []), "--count-calls", *extra]
    try:
        events = [] if floor else [{"action": SWEEP_ACTION, "all": True, "id": sweep_id}]
        run = run_sandbox(events, {**env, "SWEEP_QUEUE_URL": url}, arguments)
        if queued(url) != size or not run.responses or run.responses[0]["queued"] != size:
            raise SystemExit(f"{'the floor' if floor else 'the planner'} queued {queued(url)} of {size} messages")
        return run
    finally:
        sqs.delete_queue(QueueUrl=url)


@dataclass
class Planning:
    planner: list[Sandbox]
    floor: list[Sandbox]
    traced: dict[str, Sandbox]
    """One more run of each with ``--tracemalloc`` (not timed)."""

    @staticmethod
    def median_of(runs: list[Sandbox], field: str = "handler_s") -> float:
        return float(statistics.median(getattr(run, field) for run in runs))


def planning(env: Mapping[str, str], settings: FunctionSettings, size: int) -> Planning:
    """:data:`FLEET_PAIRS` planner and floor runs, taking turns, then one traced run of each."""
    from localcloud.aws.sqs import sqs_counts_in_constant_time

    runs: dict[bool, list[Sandbox]] = {False: [], True: []}
    with sqs_counts_in_constant_time():
        for _ in range(FLEET_PAIRS):
            for floor in (False, True):
                runs[floor].append(plan_once(env, settings, size, floor))
        traced = {
            name: plan_once(env, settings, size, floor, "--tracemalloc")
            for name, floor in (("planner", False), ("floor", True))
        }
    return Planning(runs[False], runs[True], traced)


def batch_utility_missing(layer: Path) -> bool:
    """Whether the layer lacks what ``sweeps.work_batch`` imports, in a runtime process."""
    program = "import aws_lambda_powertools.utilities.batch, aws_lambda_powertools.utilities.data_classes.sqs_event"
    run = subprocess.run(
        [RUNTIME / "bin" / "python", "-c", program],
        env=runtime_env([layer / "python", FUNCTION]),
        capture_output=True,
        cwd=tempfile.gettempdir(),
    )
    return run.returncode != 0


@dataclass
class Working:
    per_record_s: list[float]
    """Per invocation: its handler time over its records."""
    records: int
    invocations: int
    total_s: float
    provider_calls: int
    aws_calls: dict[str, int]
    peak_rss_mb: float
    layer: str
    """Which layer the worker ran on."""

    @property
    def median_s(self) -> float:
        return float(statistics.median(self.per_record_s))

    @property
    def mean_s(self) -> float:
        return self.total_s / self.records


def working(cloud: Any, env: Mapping[str, str], settings: FunctionSettings, layer: Path, layer_name: str) -> Working:
    """:data:`WORKER_RECORDS` secrets (the registry's providers in turn, each an account on its emulator), planned
    by the handler onto a sweep queue, then delivered to one warm sandbox by the local event source mapping, 10
    records an invocation, until the queue is empty; every record must come out verified."""
    from crossrotate.registry import PROVIDERS
    from localcloud.aws.sqs import EventSourceMapping, SweepQueues

    function_arn = FUNCTION_ARN.format("crossrotate-workers")
    providers = list(PROVIDERS)
    accounts = [cloud.account(providers[number % len(providers)]) for number in range(WORKER_RECORDS)]
    enroll([account.secret_id for account in accounts], function_arn)
    queues = SweepQueues.create()
    env = {**env, "SWEEP_QUEUE_URL": queues.url}
    arguments = ["--function-arn", function_arn, "--remaining-ms", str(settings.timeout_s * 1000)]
    run_sandbox([{"action": SWEEP_ACTION, "all": True, "id": "bench-workers"}], env, arguments, layer)
    if queued(queues.url) != WORKER_RECORDS:
        raise SystemExit(f"the planner queued {queued(queues.url)} of {WORKER_RECORDS} records")
    provider_before = sum(len(emulator.calls) for emulator in cloud.emulators.values())
    worker = WarmSandbox(env, [*arguments, "--count-calls"], layer)
    mapping = EventSourceMapping(queues, worker.invoke)
    delivered = mapping.drain()
    sandbox, lines = worker.finish()
    verified = sum(line.get("message") == "sweep record" and line.get("outcome") == "verified" for line in lines)
    if delivered != WORKER_RECORDS or verified != WORKER_RECORDS or mapping.failures:
        raise SystemExit(
            f"workers: {delivered} delivered, {verified} verified of {WORKER_RECORDS}, "
            f"{len(mapping.failures)} in batchItemFailures"
        )
    return Working(
        per_record_s=[reply["handler_s"] / reply["records"] for reply in worker.replies],
        records=delivered,
        invocations=len(worker.replies),
        total_s=sum(reply["handler_s"] for reply in worker.replies),
        provider_calls=sum(len(emulator.calls) for emulator in cloud.emulators.values()) - provider_before,
        aws_calls=sandbox.calls or {},
        peak_rss_mb=sandbox.peak_rss_mb,
        layer=layer_name,
    )


@dataclass
class FleetFigures:
    settings: FunctionSettings
    size: int
    plan: Planning
    work: Working
    batch_missing: bool
    """The built layer lacks Powertools' batch utility: the worker ran on a layer built with it."""


def fleet(python: str, size: int) -> FleetFigures:
    """The fleet measurements, against a local cloud of their own (moto serving Secrets Manager and SQS)."""
    from localcloud.cloud import LocalCloud

    settings = function_settings()
    batch_missing = batch_utility_missing(LAYER)
    layer, layer_name = LAYER, "the built layer"
    if batch_missing:
        kept = f"POWERTOOLS_UTILITIES_KEPT=__init__.py jmespath_utils typing {BATCH_UTILITIES}"
        build_layer(python, LAYER_BATCH, kept)
        layer, layer_name = LAYER_BATCH, f"the layer built keeping Powertools' {BATCH_UTILITIES.replace(' ', ' and ')}"
    cloud = LocalCloud().start()
    try:
        env = {**cloud.env, "AWS_ENDPOINT_URL_SQS": cloud.env["AWS_ENDPOINT_URL_SECRETS_MANAGER"]}
        print(f"fleet: {size:,} secrets, {FLEET_PAIRS} planner/floor pairs ...", flush=True)
        make_fleet(size, FUNCTION_ARN.format("crossrotate-fleet"))
        plan = planning(env, settings, size)
        print(f"fleet: {WORKER_RECORDS} records through the workers ({layer_name}) ...", flush=True)
        work = working(cloud, env, settings, layer, layer_name)
    finally:
        cloud.stop()
    return FleetFigures(settings, size, plan, work, batch_missing)


def seconds(value: float) -> str:
    return f"{value:.1f} s" if value >= 10 else f"{value:.2f} s"


def spread(runs: list[Sandbox]) -> str:
    return "runs " + " / ".join(seconds(run.handler_s) for run in runs)


def fleet_tables(figures: FleetFigures) -> tuple[str, list[Target]]:
    """The "Fleet sweeps" block and its targets."""
    settings, plan, work, size = figures.settings, figures.plan, figures.work, figures.size
    planner_s, floor_s = plan.median_of(plan.planner), plan.median_of(plan.floor)
    planner_cpu, floor_cpu = plan.median_of(plan.planner, "handler_cpu_s"), plan.median_of(plan.floor, "handler_cpu_s")
    ratio = planner_s / floor_s
    calls = plan.planner[0].calls or {}
    same_calls = all(
        {op: n for op, n in (run.calls or {}).items() if op in ("ListSecrets", "SendMessageBatch")}
        == {op: n for op, n in (plan.floor[0].calls or {}).items() if op in ("ListSecrets", "SendMessageBatch")}
        for run in plan.planner + plan.floor
    )
    planner_calls = (
        f"{calls.get('ListSecrets', 0):,} ListSecrets + {calls.get('SendMessageBatch', 0):,} SendMessageBatch"
    )
    other = {op: n for op, n in calls.items() if op not in ("ListSecrets", "SendMessageBatch")}
    peak = max(run.peak_rss_mb for run in plan.planner)
    growth = statistics.median(run.peak_rss_mb - run.rss_before_mb for run in plan.planner)
    floor_growth = statistics.median(run.peak_rss_mb - run.rss_before_mb for run in plan.floor)
    heap, floor_heap = plan.traced["planner"].heap_peak_mb or 0.0, plan.traced["floor"].heap_peak_mb or 0.0
    concurrency = settings.sweep_concurrency
    where = (
        "the template's default"
        if settings.concurrency_in_template
        else f"no SweepConcurrency in the template: {DEFAULT_SWEEP_CONCURRENCY} assumed"
    )
    provider_per_record = work.provider_calls / work.records
    aws_per_record = {op: n / work.records for op, n in sorted(work.aws_calls.items())}
    sweep_s = planner_s + FLEET * work.median_s / concurrency
    real = [
        planner_s + FLEET * (work.median_s + provider_per_record * latency) / concurrency
        for latency in PROVIDER_LATENCY_S
    ]
    list_s, send_s = (
        statistics.median(run.responses[0][phase] for run in plan.floor if run.responses)
        for phase in ("list_s", "send_s")
    )
    rows = [
        (
            f"planner, {size:,} secrets (the handler given a sweep event, fresh sandbox; median of {FLEET_PAIRS})",
            f"{seconds(planner_s)} wall ({spread(plan.planner)}), {seconds(planner_cpu)} CPU; {planner_calls}"
            + (f", {calls_text(other)}" if other else ""),
        ),
        (
            "floor: the same calls from a bare boto3 loop (same kind of sandbox, interleaved)",
            f"{seconds(floor_s)} wall ({spread(plan.floor)}), {seconds(floor_cpu)} CPU; "
            f"listing {seconds(list_s)}, sending {seconds(send_s)}",
        ),
        (
            "planner's memory: peak RSS of its sandbox (growth while planning); Python heap peak (tracemalloc)",
            f"{peak:.0f} MB (+{growth:.0f} MB; floor +{floor_growth:.0f} MB); "
            f"{heap:.1f} MB (floor {floor_heap:.1f} MB)",
        ),
        (
            f"worker, per record: a {SWEEP_ACTION} in a 10-record batch ({work.records} records, "
            f"{work.invocations} invocations of one warm sandbox; {work.layer})",
            f"{work.median_s * 1000:.1f} ms median (mean {work.mean_s * 1000:.1f} ms); "
            + ", ".join(f"{n:.3g} {op}" for op, n in aws_per_record.items())
            + f", {provider_per_record:.3g} provider calls a record; peak RSS {work.peak_rss_mb:.0f} MB",
        ),
        (
            f"a {FLEET:,}-secret {SWEEP_ACTION} sweep at SweepConcurrency {concurrency} ({where}): "
            f"planner + {FLEET:,} x per record / {concurrency}",
            f"{seconds(sweep_s)} against the local cloud",
        ),
        (
            f"… with real providers ({' to '.join(f'{latency:g}' for latency in PROVIDER_LATENCY_S)} s a call, "
            f"{provider_per_record:.3g} calls a record)",
            " to ".join(f"{value / 60:.0f}" for value in real) + " min",
        ),
    ]
    half = settings.timeout_s / 2
    targets = [
        Target("fleet: planner vs floor (wall, median)", f"{ratio:.2f}x", "≤ 1.3x", ratio <= 1.3),
        Target(
            f"fleet: planning {size:,} secrets vs the function's timeout ({settings.timeout_s} s)",
            seconds(planner_s),
            f"≤ {seconds(half)} (half)",
            planner_s <= half,
        ),
        Target("fleet: planner's calls = the floor's", planner_calls, "the same in every run", same_calls),
        Target(
            "fleet: planner's peak RSS vs the function's memory",
            f"{peak:.0f} MB",
            f"< {settings.memory_mb} MB",
            peak < settings.memory_mb,
        ),
        Target(
            "fleet: the built layer has what work_batch imports (Powertools' batch, data_classes)",
            "missing: workers measured on a layer that keeps them" if figures.batch_missing else "yes",
            "yes",
            not figures.batch_missing,
        ),
    ]
    table = "\n".join(
        [
            "| measured (fleet sweeps) | figure |",
            "|---|---|",
            *(f"| {what} | {figure} |" for what, figure in rows),
            "",
            "| target | figure | goal | met |",
            "|---|---|---|---|",
            *(f"| {t.what} | {t.figure} | {t.goal} | {'yes' if t.met else '**no**'} |" for t in targets),
        ]
    )
    return table, targets


def write_block(name: str, table: str) -> None:
    """Replace the ``<!-- {name}:start -->`` … ``<!-- {name}:end -->`` block of docs/performance.md."""
    page = ROOT / "docs" / "performance.md"
    text = page.read_text()
    pattern = rf"<!-- {name}:start -->.*<!-- {name}:end -->"
    if not re.search(pattern, text, flags=re.S):
        raise SystemExit(f"docs/performance.md has no {name} block")
    block = f"<!-- {name}:start -->\n{table}\n<!-- {name}:end -->"
    page.write_text(re.sub(pattern, lambda _: block, text, flags=re.S))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write the tables into docs/performance.md")
    parser.add_argument("--fleet-only", action="store_true", help="only the fleet measurements (and their block)")
    parser.add_argument("--rotations-only", action="store_true", help="leave the fleet measurements out")
    parser.add_argument("--fleet-size", type=int, default=FLEET, help="secrets a planner run lists (to try it out)")
    arguments = parser.parse_args()
    if arguments.write and arguments.fleet_size != FLEET:
        parser.error(f"--write measures {FLEET:,} secrets")

    python = python313()
    print("preparing: Python 3.13 runtime with boto3, the built layer, the official SDKs ...", flush=True)
    prepare(python)
    if arguments.fleet_only:
        return report([("bench:fleet", *fleet_tables(fleet(python, arguments.fleet_size)))], arguments.write)
    boto3_version, botocore_version, _ = runtime_boto3()
    print(f"cold init: {INIT_RUNS} fresh processes per variant, {IMPORT_TRACES} traced ...", flush=True)
    init = cold_init()
    imports = init_imports()
    print(
        f"rotations: {ROTATIONS} per provider, variant ({', '.join(v.name for v in VARIANTS)}), kind (fresh process "
        f"per step, one warm process) and side (the function, the floor); boto3 {boto3_version}, botocore "
        f"{botocore_version} ...",
        flush=True,
    )
    runs = rotations()
    ratios = floor_ratios(runs)

    layer_zip = zipped_size(LAYER / "python")
    sdk_zip = zipped_size(SDK_ARM64, leave_out=lambda path: path.parts[0] == "bin")
    functions = [
        cost for r in runs.values() for (side, _, _), costs in r.items() if side == "function" for cost in costs
    ]
    most_sm = max(cost.secrets_manager_calls for cost in functions)
    peak_rss = max(
        cost.peak_rss_mb for r in runs.values() for costs in r.values() for cost in costs if cost.peak_rss_mb
    )
    resets = sorted({cost.resets for r in runs.values() for costs in r.values() for cost in costs})
    ours = [name for name in imports.modules if name == "crossrotate" or name.startswith("crossrotate.")]
    worst_cold = max(ratios, key=lambda ratio: ratio.cold)
    worst_warm = max(ratios, key=lambda ratio: ratio.warm_cpu)

    rows = [
        ("cold init: import the handler", ms(init["handler"])),
        ("cold init: import boto3", ms(init["boto3"])),
        ("cold init: import boto3 + the official SDK clients", ms(init["sdk"])),
        (
            "… and a Secrets Manager client built: handler / boto3 / boto3 + SDKs",
            " / ".join(ms(init[k]) for k in ("handler+client", "boto3+client", "sdk+client")),
        ),
        (
            "cold init: modules the handler's import loads",
            f"{len(imports.modules)} ({len(ours)} of crossrotate); of those loaded on first use (boto3, httpx, the "
            f"AWS adapters, credentials, actions, sweeps, providers, Powertools' batch): "
            f"{', '.join(imports.first_use) or 'none'}",
        ),
        (
            f"… by whose modules (own time, `-X importtime`, median of {IMPORT_TRACES})",
            ", ".join(f"{whom} {value:.1f} ms" for whom, value in sorted(imports.own_ms.items(), key=lambda i: -i[1])),
        ),
        ("layer, zipped (built as `sam build` does)", f"{layer_zip:,} bytes"),
        ("official SDKs with their dependencies, zipped", f"{sdk_zip:,} bytes"),
        ("peak RSS of a rotation process", f"{peak_rss:.0f} MB"),
    ]
    keyless = [keyless_row(provider, kind, r) for provider, r in runs.items() for kind in KINDS]
    targets = [
        Target(
            "cold: a rotation's sandboxes, spawn to exit, vs the floor's (worst provider and variant)",
            f"{worst_cold.cold:.2f}x ({worst_cold.provider}, {worst_cold.variant})",
            "≤ 1.1x",
            all(ratio.cold <= 1.1 for ratio in ratios),
        ),
        Target(
            "warm: a rotation's CPU in a warm sandbox vs the floor's (worst provider and variant)",
            f"{worst_warm.warm_cpu:.2f}x ({worst_warm.provider}, {worst_warm.variant})",
            "≤ 1.1x",
            all(ratio.warm_cpu <= 1.1 for ratio in ratios),
        ),
        Target(
            "the floor made the function's calls, by API and action (every rotation)",
            "yes" if all(ratio.same_calls for ratio in ratios) else "no",
            "yes",
            all(ratio.same_calls for ratio in ratios),
        ),
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
        Target("Secrets Manager calls per rotation", str(most_sm), "≤ 10", most_sm <= 10),
        Target(
            "password resets per rotation",
            f"{', '.join(map(str, resets))} (all {sum(len(c) for r in runs.values() for c in r.values())} rotations)",
            "exactly 1",
            resets == [1],
        ),
        *keyless_targets(runs, imports),
        Target(
            "layer zipped", f"{layer_zip / 1e6:.2f} MB", f"≤ {LAYER_BUDGET / 1e6:.2f} MB", layer_zip <= LAYER_BUDGET
        ),
        Target("layer vs SDKs zipped", f"{layer_zip / sdk_zip:.2f}x", "(smaller)", layer_zip < sdk_zip),
        Target("peak RSS", f"{peak_rss:.0f} MB", "< 100 MB", peak_rss < 100),
    ]
    table = "\n".join(
        [
            "| measured | figure |",
            "|---|---|",
            *(f"| {what} | {figure} |" for what, figure in rows),
            "",
            f"| rotation (medians: {ROTATIONS} fresh, {WARM_ROTATIONS} warm) | every step in a fresh sandbox: spawn to "
            "exit (init, handler); CPU | floor | cold ratio | one warm sandbox: CPU (wall) | floor | warm CPU ratio, "
            "median of pairs (range) | calls |",
            "|---|---|---|---|---|---|---|---|",
            *("| " + " | ".join(ratio.row()) + " |" for ratio in ratios),
            "",
            "| keyless vs an API key secret (same run) | extra calls | sandboxes that call the provider "
            "| wall, API key → keyless | keyless / API key |",
            "|---|---|---|---|---|",
            *("| " + " | ".join(row) + " |" for row in keyless),
            "",
            "| target | figure | goal | met |",
            "|---|---|---|---|",
            *(f"| {t.what} | {t.figure} | {t.goal} | {'yes' if t.met else '**no**'} |" for t in targets),
        ]
    )
    blocks = [("bench", table, targets)]
    if not arguments.rotations_only:  # last: its secrets stay in moto
        blocks.append(("bench:fleet", *fleet_tables(fleet(python, arguments.fleet_size))))
    return report(blocks, arguments.write)


def report(blocks: list[tuple[str, str, list[Target]]], write: bool) -> int:
    """Print each block's table (and write it into its block of docs/performance.md); 1 when a target is missed."""
    for name, table, _ in blocks:
        print({"bench:fleet": "\nFleet sweeps:\n"}.get(name, ""))
        print(table)
        if write:
            write_block(name, table)
    if write:
        print("\nwritten to docs/performance.md")
    missed = [target.what for _, _, targets in blocks for target in targets if not target.met]
    print(f"\n{'all targets met' if not missed else 'missed: ' + ', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
