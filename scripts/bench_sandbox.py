"""One Lambda sandbox for `make bench`: a fresh interpreter that has only boto3 (as the Lambda runtime has), the
built layer and the function on PYTHONPATH. It imports the handler, then runs the events it is given, and writes
what it measured as JSON to the file named by its argument. It carries no instrument of its own unless asked
(``--count-calls``): the bench counts calls where they arrive, and times the whole process from outside.

    python bench_sandbox.py result.json [options] < events.json

Options:

- ``--rotation-floor``: instead of the handler, ``rotation_floor.step`` (the least a rotation step can do, the
  same calls without the product) takes the events, imported and timed as the handler is;
- ``--count-calls``: count every AWS call by operation with a boto3 hook (imports boto3 before the handler);

- ``--function-arn ARN``, ``--remaining-ms MS``: the context's function ARN (which secrets a sweep finds) and the
  time it says is left (the template's timeout);
- ``--tracemalloc``: also record the Python heap's peak while the events run (tracing slows them down);
- ``--serve``: a warm sandbox invoked many times: one event per line on stdin, one line per invocation on stdout
  (``{"response", "handler_s"}``); the function's logs go to stderr. The result file is written at end of input;
- ``--floor SWEEP_ID``: instead of the handler, the least a planner can do, timed the same way: list the secrets
  page by page and send one message per secret this function rotates, 10 per ``SendMessageBatch``, to
  ``SWEEP_QUEUE_URL``. The handler is not imported.
"""

import json
import os
import resource
import sys
import time

options = sys.argv[2:]


def option(name: str, default: str) -> str:
    return options[options.index(name) + 1] if name in options else default


FLOOR = "--floor" in options
ROTATION_FLOOR = "--rotation-floor" in options
SERVE = "--serve" in options
if SERVE:  # the channel back to the bench is the original stdout; anything the function prints goes to stderr
    channel = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)

started = time.perf_counter()
if ROTATION_FLOOR:
    import rotation_floor

    handle = lambda event, context: rotation_floor.step(event)  # noqa: E731
elif not FLOOR:
    import app

    handle = app.lambda_handler
init_s = time.perf_counter() - started

calls: dict[str, int] = {}
"""With ``--count-calls``: every AWS call (Secrets Manager, SQS, STS) by operation."""
if "--count-calls" in options or FLOOR:
    import boto3

    boto3.setup_default_session()
    boto3.DEFAULT_SESSION.events.register(
        "before-parameter-build", lambda model, **_: calls.__setitem__(model.name, calls.get(model.name, 0) + 1)
    )


class LambdaContext:
    function_name = "crossrotate-rotator"
    function_version = "$LATEST"
    invoked_function_arn = option(
        "--function-arn", "arn:aws:lambda:us-east-1:123456789012:function:crossrotate-rotator"
    )
    memory_limit_in_mb = 256
    aws_request_id = "00000000-0000-4000-8000-000000000000"
    log_group_name = "/aws/lambda/crossrotate-rotator"
    log_stream_name = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return int(option("--remaining-ms", "60000"))


def floor_plan(sweep_id: str) -> dict[str, float]:
    """The planner's calls with nothing around them: ListSecrets with no page size (the service's default, as the
    product's paginator asks), then SendMessageBatch with the same bodies, 10 per call; no retries, no checks."""
    sm, sqs = boto3.client("secretsmanager"), boto3.client("sqs")
    function_arn, queue_url = LambdaContext.invoked_function_arn, os.environ["SWEEP_QUEUE_URL"]
    started = time.perf_counter()
    arns: list[str] = []
    page: dict = {}
    while True:
        page = sm.list_secrets(NextToken=page["NextToken"]) if "NextToken" in page else sm.list_secrets()
        arns += [
            s["ARN"]
            for s in page["SecretList"]
            if s.get("RotationLambdaARN") == function_arn and s.get("RotationEnabled")
        ]
        if "NextToken" not in page:
            break
    list_s, started = time.perf_counter() - started, time.perf_counter()
    for start in range(0, len(arns), 10):
        bodies = [
            json.dumps({"action": "verify", "secret_id": arn, "sweep": sweep_id}, separators=(",", ":"))
            for arn in arns[start : start + 10]
        ]
        entries = [{"Id": str(number), "MessageBody": body} for number, body in enumerate(bodies)]
        sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
    return {"queued": len(arns), "list_s": list_s, "send_s": time.perf_counter() - started}


def status(field: str) -> float:
    """A field of /proc/self/status, in MB."""
    with open("/proc/self/status") as lines:
        return next(int(line.split()[1]) for line in lines if line.startswith(field + ":")) / 1024


if "--tracemalloc" in options:
    import tracemalloc

    tracemalloc.start()
rss_before_mb = status("VmRSS")
responses = []
handler_s = handler_cpu_s = 0.0
if SERVE:
    for line in iter(sys.stdin.readline, ""):
        started, cpu = time.perf_counter(), time.process_time()
        response = handle(json.loads(line), LambdaContext())
        took, took_cpu = time.perf_counter() - started, time.process_time() - cpu
        handler_s, handler_cpu_s = handler_s + took, handler_cpu_s + took_cpu
        channel.write(json.dumps({"response": response, "handler_s": took, "handler_cpu_s": took_cpu}) + "\n")
        channel.flush()
else:
    for event in [{"floor": option("--floor", "")}] if FLOOR else json.load(sys.stdin):
        started, cpu = time.perf_counter(), time.process_time()
        responses.append(floor_plan(event["floor"]) if FLOOR else handle(event, LambdaContext()))
        handler_s += time.perf_counter() - started
        handler_cpu_s += time.process_time() - cpu
heap_peak_mb = tracemalloc.get_traced_memory()[1] / 2**20 if "--tracemalloc" in options else None

usage = resource.getrusage(resource.RUSAGE_SELF)
# Not ru_maxrss: Linux carries it over from the forking parent across exec. VmHWM is this image's own peak.
with open(sys.argv[1], "w") as result:
    json.dump(
        {
            "init_s": init_s,
            "handler_s": handler_s,
            "cpu_s": usage.ru_utime + usage.ru_stime,
            "peak_rss_mb": status("VmHWM"),
            "handler_cpu_s": handler_cpu_s,
            "rss_before_mb": rss_before_mb,
            "heap_peak_mb": heap_peak_mb,
            "calls": calls,
            "responses": responses,
        },
        result,
    )
# A Lambda sandbox is frozen after its last invocation and later killed, never shut down: its interpreter's
# finalization (freeing every module and object, longer the more is loaded) is no one's cost, so it ends here.
sys.stdout.flush()
sys.stderr.flush()
os._exit(0)
