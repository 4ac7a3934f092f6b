"""Lambda entry point: recognise the event, wire the adapters, run one library function.

A rotation step imports only what a step runs: the actions (and the sweep code) are imported when an event asks
for them, so a fresh sandbox running a step does not pay for them.
"""

from __future__ import annotations

from typing import Any

from crossrotate import events, runtime
from crossrotate.log import logger


@logger.inject_lambda_context
def lambda_handler(event: Any, context: Any) -> dict[str, Any] | None:
    with runtime.reporting():
        request = events.parse_event(event)
        if isinstance(request, events.StepRequest):
            logger.append_keys(secret_id=request.secret_id, step=request.step, version=request.token)
            runtime.observed_step(request, runtime.dependencies(context))
            return None
        if isinstance(request, events.SweepBatch):
            from crossrotate import sweeps

            return sweeps.work_batch(request.event, runtime.dependencies(context))
        action = request.action or runtime.scheduled_action()
        logger.append_keys(action=action)
        if isinstance(request, events.Sweep):
            from crossrotate import sweeps

            return sweeps.sweep(action, request.delivery_id, runtime.dependencies(context))
        from crossrotate import actions

        return actions.run_action(request, runtime.dependencies(context))
