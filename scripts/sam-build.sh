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
