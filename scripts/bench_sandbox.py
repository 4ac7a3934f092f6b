"""One Lambda sandbox for `make bench`: a fresh interpreter that has only boto3 (as the Lambda runtime has), the
built layer and the function on PYTHONPATH. It imports the handler, then runs the events it is given, and writes
what it measured as JSON to the file named by its argument.

    python bench_sandbox.py result.json < events.json
"""

import json
import resource
import sys
import time

started = time.perf_counter()
import app  # noqa: E402

init_s = time.perf_counter() - started

import boto3  # noqa: E402  (already imported by the first Secrets Manager call; here only to count calls)

# Each call as [operation, SecretId]: the SecretId tells the API key reads from the rotated secret's own calls.
# before-parameter-build fires once per call, as before-call does, but still sees the parameters unserialized.
secrets_manager_calls: list[list[str]] = []
boto3.setup_default_session()
boto3.DEFAULT_SESSION.events.register(
    "before-parameter-build.secrets-manager",
    lambda params, model, **_: secrets_manager_calls.append([model.name, str(params.get("SecretId", ""))]),
)


class LambdaContext:
    function_name = "crossrotate-rotator"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:crossrotate-rotator"
    memory_limit_in_mb = 256
    aws_request_id = "00000000-0000-4000-8000-000000000000"
    log_group_name = "/aws/lambda/crossrotate-rotator"
    log_stream_name = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


handler_s = 0.0
for event in json.load(sys.stdin):
    started = time.perf_counter()
    app.lambda_handler(event, LambdaContext())
    handler_s += time.perf_counter() - started

usage = resource.getrusage(resource.RUSAGE_SELF)
# Not ru_maxrss: Linux carries it over from the forking parent across exec. VmHWM is this image's own peak.
with open("/proc/self/status") as status:
    peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
with open(sys.argv[1], "w") as result:
    json.dump(
        {
            "init_s": init_s,
            "handler_s": handler_s,
            "cpu_s": usage.ru_utime + usage.ru_stime,
            "peak_rss_mb": peak_kb / 1024,
            "secrets_manager_calls": secrets_manager_calls,
        },
        result,
    )
