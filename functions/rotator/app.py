"""Lambda entry point: recognise the event, wire the adapters, run one library function."""

from __future__ import annotations

from typing import Any

from crossrotate import actions, events, fleet, runtime
from crossrotate.log import logger
from crossrotate.protocol import StepRequest


@logger.inject_lambda_context(clear_state=True, log_event=False)
def lambda_handler(event: Any, context: Any) -> dict[str, Any] | None:
    with runtime.reporting():
        request = events.parse_event(event)
        if isinstance(request, StepRequest):
            logger.append_keys(secret_id=request.secret_id, step=request.step, version=request.token)
            runtime.observed_step(request, runtime.dependencies(context))
            return None
        if isinstance(request, fleet.SweepBatch):
            return fleet.work_batch(request.event, runtime.dependencies(context))
        action = request.action or runtime.scheduled_action()
        logger.append_keys(action=action)
        if isinstance(request, actions.Sweep):
            return fleet.sweep(action, request.delivery_id, runtime.dependencies(context))
        return actions.run_action(request, runtime.dependencies(context))
