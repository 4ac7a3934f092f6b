#!/usr/bin/env bash
# `sam build` as CI runs it: the SAM CLI in a virtualenv of its own (it pins its own dependencies), and
# Python 3.13 on PATH for the layer's BuildMethod python3.13 (pyenv's, when the system has none).
set -euo pipefail
cd "$(dirname "$0")/.."
export SAM_CLI_TELEMETRY=0
if ! python3.13 --version >/dev/null 2>&1; then  # a pyenv shim exists but does not run unless 3.13 is active
  for bin in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.13*/bin; do
    if [ -x "$bin/python3.13" ]; then PATH="$bin:$PATH"; break; fi
  done
fi
python3.13 --version >/dev/null 2>&1 || { echo "sam build needs python3.13 on PATH" >&2; exit 1; }
if [ ! -x .venv-sam/bin/sam ]; then
  python3 -m venv .venv-sam
  .venv-sam/bin/pip install --quiet --disable-pip-version-check aws-sam-cli==1.170.0
fi
.venv-sam/bin/sam build --template template.yaml

# What sam build made must import as Lambda will run it: Python 3.13 with only boto3 besides the layer.
if [ ! -x .venv-sam/runtime/bin/python ]; then
  python3.13 -m venv .venv-sam/runtime
  .venv-sam/runtime/bin/pip install --quiet --disable-pip-version-check "$(grep -i '^boto3==' requirements-dev.txt)"
fi
# -I leaves out the environment's PYTHON* settings and user site; -B writes no bytecode into the build.
AWS_DEFAULT_REGION=us-east-1 .venv-sam/runtime/bin/python -I -B -c '
import importlib, pkgutil, sys
sys.path[:0] = [".aws-sam/build/LibraryLayer/python", ".aws-sam/build/RotationFunction"]
import app, crossrotate
modules = [m.name for m in pkgutil.walk_packages(crossrotate.__path__, "crossrotate.")]
for name in modules:
    importlib.import_module(name)

class Context:  # what Lambda passes: Powertools reads these
    function_name, function_version, memory_limit_in_mb = "check", "$LATEST", 256
    invoked_function_arn, aws_request_id = "arn:aws:lambda:us-east-1:123456789012:function:check", "r"
    def get_remaining_time_in_millis(self): return 60_000

# What is imported only on first use must be there too: a sweep worker batch (one bad record: no call is made).
record = {"eventSource": "aws:sqs", "messageId": "m", "receiptHandle": "h", "body": "not json", "attributes": {},
          "messageAttributes": {}, "md5OfBody": "", "eventSourceARN": "arn:aws:sqs:us-east-1:1:q", "awsRegion": "us-east-1"}
assert app.lambda_handler({"Records": [record]}, Context()) == {"batchItemFailures": []}
print(f"built function and layer import under Python 3.13 with boto3 only: app and {len(modules)} modules, and a sweep batch runs")
'
