"""No schedule of faults loses a working password.

hypothesis draws schedules: faults across the provider calls (retryable and fatal codes, a bare 5xx, slow answers
that time out with the change applied afterwards, connections dropped before or after the change, late
propagation to the database), and what Secrets Manager does (repeat a failed rotation, invoke a step twice, run
two copies of a step at once). After every step invocation, against the real database:

- AWSCURRENT's password logs in, or AWSPENDING's while the rotation is unfinished;
- a completed rotation leaves AWSCURRENT working and AWSPREVIOUS holding the old password;
- every ResetAccountPassword carried the pending password, never another.

``make test`` runs 500 schedules; ``make slow`` runs 3000. The counts are printed at the end of the run.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from conftest import PROPERTY_RUNS, ApiKey, unique
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crossrotate import runtime
from crossrotate.errors import RotationError
from crossrotate.protocol import StepRequest, run_step
from emulators.alibabacloud import AlibabaRdsEmulator
from emulators.databases import MariaDbServer, PostgresServer, logs_in
from emulators.secretsmanager import STEPS, LambdaContext, Rotation, SecretsManagerDriver
from emulators.tencentcloud import TencentPostgresEmulator

TENCENT, ALIBABA = "tencentcloud-postgres", "alibabacloud-rds"
ACTIONS = {
    TENCENT: ["ResetAccountPassword", "DescribeAccounts"],
    ALIBABA: ["ResetAccountPassword", "DescribeAccounts", "DescribeDBInstanceAttribute"],
}
CODES = {
    TENCENT: {"retryable": "RequestLimitExceeded", "fatal": "OperationDenied.CamDeniedError"},
    ALIBABA: {"retryable": "Throttling.User", "fatal": "IncorrectAccountType"},
}
CLIENT_TIMEOUT_S = 0.1


class ScaledClock:
    """Virtual deadlines and backoff, but real time passes (1% of each sleep) so late propagation happens."""

    scale = 0.01

    def __init__(self) -> None:
        self.extra = 0.0

    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic() + self.extra

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds * self.scale)
        self.extra += seconds * (1 - self.scale)


@dataclass
class World:
    driver: SecretsManagerDriver
    emulators: dict[str, Any]
    servers: dict[str, PostgresServer | MariaDbServer]
    keys: dict[str, str]
    http: httpx.Client
    ran: int = 0
    violations: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def world(secrets_manager: None, postgres_server: PostgresServer, mariadb_server: MariaDbServer) -> Iterator[World]:
    tencent_key, alibaba_key = ApiKey(), ApiKey(secret_id="LTAI" + secrets.token_hex(10))
    tencent = TencentPostgresEmulator(keys={tencent_key.secret_id: tencent_key.secret_key})
    alibaba = AlibabaRdsEmulator(keys={alibaba_key.secret_id: alibaba_key.secret_key})
    driver = SecretsManagerDriver(lambda event: None)
    keys = {TENCENT: unique("tencent-key"), ALIBABA: unique("alibaba-key")}
    driver.create_secret(keys[TENCENT], {"secret_id": tencent_key.secret_id, "secret_key": tencent_key.secret_key})
    driver.create_secret(
        keys[ALIBABA], {"access_key_id": alibaba_key.secret_id, "access_key_secret": alibaba_key.secret_key}
    )
    with pytest.MonkeyPatch.context() as patch, httpx.Client(timeout=CLIENT_TIMEOUT_S) as http:
        patch.setenv("TENCENTCLOUD_ENDPOINT_URL", tencent.start())
        patch.setenv("ALIBABACLOUD_ENDPOINT_URL", alibaba.start())
        world = World(
            driver,
            {TENCENT: tencent, ALIBABA: alibaba},
            {TENCENT: postgres_server, ALIBABA: mariadb_server},
            keys,
            http,
        )
        yield world
        PROPERTY_RUNS.append((world.ran, len(world.violations)))
        tencent.stop()
        alibaba.stop()


FAULT = st.one_of(
    st.tuples(st.just("error"), st.sampled_from(["retryable", "fatal"])),
    st.tuples(st.sampled_from(["status", "drop_before_apply", "drop_after_apply", "delay"]), st.just("")),
)


@st.composite
def schedules(draw: st.DrawFn) -> dict[str, Any]:
    provider = draw(st.sampled_from([TENCENT, ALIBABA]))
    faults = draw(st.lists(st.tuples(st.sampled_from(ACTIONS[provider]), FAULT, st.integers(1, 3)), max_size=4))
    return {
        "provider": provider,
        "faults": faults,
        "propagation": draw(st.sampled_from([0.0, 0.0, 0.03, 0.15])),
        "sm_retries": draw(st.integers(0, 3)),
        "twice": draw(st.sets(st.sampled_from(STEPS))),
        "concurrent": draw(st.sets(st.sampled_from(STEPS))),
    }


def invoke(world: World, rotation: Rotation, name: str) -> None:
    deps = runtime.dependencies(LambdaContext(), clock=ScaledClock(), http=world.http)
    run_step(StepRequest(name, rotation.secret_id, rotation.token, None), deps)


def invoke_concurrently(world: World, rotation: Rotation, name: str) -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def copy() -> None:
        barrier.wait()
        try:
            invoke(world, rotation, name)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=copy) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


PROPERTY = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@settings(PROPERTY, max_examples=500)
@given(schedule=schedules())
def test_no_schedule_of_faults_loses_a_working_password(world: World, schedule: dict[str, Any]) -> None:
    run_schedule(world, schedule)


@pytest.mark.slow
@settings(PROPERTY, max_examples=3000)
@given(schedule=schedules())
def test_no_long_run_of_fault_schedules_loses_a_working_password(world: World, schedule: dict[str, Any]) -> None:
    run_schedule(world, schedule)


def run_schedule(world: World, schedule: dict[str, Any]) -> None:
    provider = schedule["provider"]
    emulator, server = world.emulators[provider], world.servers[provider]
    engine = "postgres" if provider == TENCENT else "mysql"
    instance_id = ("postgres-" if provider == TENCENT else "rm-") + uuid.uuid4().hex[:12]
    username, old_password = "u" + secrets.token_hex(6), "Old-Passw0rd!" + secrets.token_hex(4)
    emulator.clear_faults()
    emulator.propagation_delay = 0.0
    emulator.add_account(instance_id, username, old_password)
    emulator.back_with_database(instance_id, username, old_password, server.admin_dsn)
    secret_id = unique("property")
    world.driver.create_secret(
        secret_id,
        {
            "provider": provider,
            "region": "ap-guangzhou" if provider == TENCENT else "cn-hangzhou",
            "instance_id": instance_id,
            "username": username,
            "password": old_password,
            "credentials_secret": world.keys[provider],
            "host": "127.0.0.1",
            "port": server.port,
            "engine": engine,
            "tls": "disable",
        },
    )
    rotation = world.driver.start_rotation(secret_id)
    emulator.propagation_delay = schedule["propagation"]
    for action, (kind, severity), times in schedule["faults"]:
        details: dict[str, Any] = {"status": 503} if kind == "status" else {}
        if kind == "error":
            details = {"code": CODES[provider][severity], "status": 400}
        if kind == "delay":
            details = {"seconds": CLIENT_TIMEOUT_S * 2}
        emulator.inject(kind, action=action, times=times, **details)

    problems: list[str] = []
    first_call = len(emulator.calls)

    def check(moment: str) -> None:
        sm = world.driver.sm
        current = world.driver.value(secret_id)["password"]
        stages = world.driver.versions(secret_id)
        pending = None
        if rotation.token in stages and "AWSCURRENT" not in stages[rotation.token]:
            try:
                value = sm.get_secret_value(SecretId=secret_id, VersionId=rotation.token)
                pending = json.loads(value["SecretString"])["password"]
            except sm.exceptions.ResourceNotFoundException:
                pending = None
        works = logs_in(engine, server.port, username, current) or (
            pending is not None and logs_in(engine, server.port, username, pending)
        )
        if not works:
            problems.append(f"{moment}: no labelled version holds a password the database accepts")
        # This schedule's own resets: a slow answer from the one before may still land while this one runs.
        sent = {
            c.params.get("Password") or c.params.get("AccountPassword")
            for c in emulator.calls[first_call:]
            if c.action == "ResetAccountPassword" and c.params.get("DBInstanceId") == instance_id
        }
        if pending is not None and not sent <= {pending}:
            problems.append(f"{moment}: a reset carried a password other than the pending one")

    completed = False
    for attempt in range(schedule["sm_retries"] + 1):
        try:
            for name in STEPS:
                if name in schedule["concurrent"]:
                    invoke_concurrently(world, rotation, name)
                else:
                    invoke(world, rotation, name)
                check(f"attempt {attempt} after {name}")
                if name in schedule["twice"]:
                    invoke(world, rotation, name)
                    check(f"attempt {attempt} after {name} again")
            world.driver.complete(rotation)
            completed = True
            break
        except RotationError:
            check(f"attempt {attempt} after a failure")
    emulator.settle()
    check("at the end")
    if completed:
        current = world.driver.value(secret_id)["password"]
        if world.driver.value(secret_id, "AWSPREVIOUS")["password"] != old_password:
            problems.append("AWSPREVIOUS does not hold the old password")
        if not logs_in(engine, server.port, username, current):
            problems.append("the completed rotation's AWSCURRENT does not log in")
    world.ran += 1
    world.violations.extend(problems)
    assert problems == [], (schedule, problems)
