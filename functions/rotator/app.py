"""Lambda entry point: recognise the event, wire the adapters, run one library function."""

from __future__ import annotations

from typing import Any

from crossrotate import events, runtime
from crossrotate.log import logger
from crossrotate.protocol import run_step


@logger.inject_lambda_context(clear_state=True, log_event=False)
def lambda_handler(event: Any, context: Any) -> None:
    with runtime.reporting():
        request = events.parse_event(event)
        logger.append_keys(secret_id=request.secret_id, step=request.step, version=request.token)
        run_step(request, runtime.dependencies(context))
