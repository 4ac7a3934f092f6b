#!/usr/bin/env python3
"""Take existing secrets on, or let them go, a whole list at a time: the operator's side of the function's ``adopt``.

    python3 scripts/attach.py check  --function <RotationFunctionArn> (--tag KEY=VALUE | --prefix NAME-PREFIX)
    python3 scripts/attach.py attach --function <RotationFunctionArn> (--tag ... | --prefix ...) [--schedule EXPR]
    python3 scripts/attach.py detach --function <RotationFunctionArn>

``check`` finds the secrets (by tag or name prefix, as Secrets Manager's ListSecrets filters them) and asks the
function to ``adopt`` them: a dry run that changes nothing (format, provider access, the account, the login, and
what attaching would do), printed one line per secret. ``attach`` does the same and, only if every secret passed,
attaches each with ``RotateSecret --no-rotate-immediately``: Secrets Manager then runs testSecret alone, and no
password changes until the first scheduled rotation. ``detach`` (before uninstalling) ends any unfinished rotation
of every secret the function rotates with the function's ``cancel``, then turns each one's rotation off
(``CancelRotateSecret``): the secrets keep their working passwords, and nothing points at a function that is gone.

Needs boto3 and AWS credentials allowed to list, rotate and cancel the secrets and to invoke the function. Exit
status: 0 when every secret passed (and was attached or detached), 1 otherwise, 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

Invoke = Callable[[dict[str, Any]], dict[str, Any]]
"""Invokes the rotation function with an event and returns its result document."""
BATCH = 100
"""The function takes at most 100 secret ids per action."""
DEFAULT_SCHEDULE = "rate(30 days)"


def lambda_invoker(function: str, client: Any = None) -> Invoke:
    """Invoke the deployed function synchronously; a retryable failure comes back as the function's error."""
    import boto3

    lambda_client = client or boto3.client("lambda")

    def invoke(event: dict[str, Any]) -> dict[str, Any]:
        answer = lambda_client.invoke(FunctionName=function, Payload=json.dumps(event).encode())
        document: dict[str, Any] = json.loads(answer["Payload"].read() or b"{}")
        if answer.get("FunctionError"):  # ActionIncomplete: the results are in the log, the error here
            return {"results": [], "error": document}
        return document

    return invoke


def matching(secretsmanager: Any, tag: tuple[str, str] | None, prefix: str | None) -> list[dict[str, Any]]:
    """The secrets a tag (key and value) or a name prefix selects, as ListSecrets lists them."""
    if tag:
        filters = [{"Key": "tag-key", "Values": [tag[0]]}, {"Key": "tag-value", "Values": [tag[1]]}]
    else:
        filters = [{"Key": "name", "Values": [prefix or ""]}]
    found = []
    for page in secretsmanager.get_paginator("list_secrets").paginate(Filters=filters):
        for secret in page["SecretList"]:
            tags = {t["Key"]: t["Value"] for t in secret.get("Tags", [])}
            if tag and tags.get(tag[0]) != tag[1]:  # the two filters match key and value separately
                continue
            if prefix and not secret["Name"].startswith(prefix):
                continue
            found.append(secret)
    return found


def rotated_by(secretsmanager: Any, function: str) -> list[dict[str, Any]]:
    """The secrets whose rotation function is ``function``."""
    wanted = ":".join(function.split(":")[:7])
    return [
        secret
        for page in secretsmanager.get_paginator("list_secrets").paginate()
        for secret in page["SecretList"]
        if ":".join(secret.get("RotationLambdaARN", "").split(":")[:7]) == wanted
    ]


def chunks(items: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), BATCH):
        yield list(items[start : start + BATCH])


def run_action(invoke: Invoke, action: str, secret_ids: Sequence[str], out: Any) -> bool:
    """The function's ``action`` on every secret, a line each; True when none failed."""
    clean = True
    for batch in chunks(secret_ids):
        document = invoke({"action": action, "secret_ids": batch})
        if "error" in document:
            print(f"{action}: the function failed: {json.dumps(document['error'])}", file=out)
            return False
        for result in document["results"]:
            clean &= result["outcome"] != "failed"
            code = f" [{result['code']}]" if result.get("code") else ""
            print(f"{result['outcome']:9} {result['secret_id']}{code}: {result.get('message', '')}", file=out)
    return clean


def main(
    argv: Sequence[str] | None = None,
    invoke: Invoke | None = None,
    secretsmanager: Any = None,
    out: Any = sys.stdout,
) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["check", "attach", "detach"])
    parser.add_argument("--function", required=True, help="the RotationFunctionArn output of the stack")
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument("--tag", help="KEY=VALUE: the secrets with this tag")
    scope.add_argument("--prefix", help="the secrets whose name starts with this")
    parser.add_argument("--schedule", default=DEFAULT_SCHEDULE, help=f"attach: the schedule ({DEFAULT_SCHEDULE})")
    args = parser.parse_args(argv)
    if args.command != "detach" and not (args.tag or args.prefix):
        parser.error(f"{args.command} needs --tag or --prefix")
    tag = tuple(args.tag.split("=", 1)) if args.tag else None
    if tag is not None and len(tag) != 2:
        parser.error("--tag is KEY=VALUE")
    if secretsmanager is None:
        import boto3

        secretsmanager = boto3.client("secretsmanager")
    invoke = invoke or lambda_invoker(args.function)

    if args.command == "detach":
        secrets = rotated_by(secretsmanager, args.function)
        ids = [secret["ARN"] for secret in secrets]
        print(f"{len(ids)} secrets rotate with {args.function}", file=out)
        if not run_action(invoke, "cancel", ids, out):
            print("some unfinished rotation could not be cancelled: nothing turned off", file=out)
            return 1
        for secret_id in ids:
            secretsmanager.cancel_rotate_secret(SecretId=secret_id)
            print(f"detached  {secret_id}: rotation turned off", file=out)
        return 0

    secrets = matching(secretsmanager, tag, args.prefix)  # type: ignore[arg-type]
    ids = [secret["ARN"] for secret in secrets]
    print(f"{len(ids)} secrets selected", file=out)
    if not ids:
        return 1
    clean = run_action(invoke, "adopt", ids, out)
    if not clean:
        print("not every secret passed the dry run: nothing attached", file=out)
        return 1
    if args.command == "check":
        return 0
    for secret_id in ids:
        secretsmanager.rotate_secret(
            SecretId=secret_id,
            RotationLambdaARN=args.function,
            RotationRules={"ScheduleExpression": args.schedule},
            RotateImmediately=False,
        )
        print(f"attached  {secret_id}: {args.schedule}, testSecret only until the first rotation", file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
