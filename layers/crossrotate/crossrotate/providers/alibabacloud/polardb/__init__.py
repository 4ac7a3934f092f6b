"""PolarDB (``alibabacloud-polardb``): Alibaba Cloud OpenAPI, product ``polardb`` 2017-08-01 (RPC style), for
MySQL- and PostgreSQL-compatible clusters (``pc-…``).

The password is set with ``ModifyAccountPassword`` (``DBClusterId``, ``AccountName``, ``NewAccountPassword``):
unlike ``ResetAccountPassword``, it can be granted per cluster, works for standard and privileged accounts, and is
what the official Terraform provider calls. It is synchronous. The spec is cheap to import; the client is imported
when a secret of this provider is rotated.

Error codes: the six of the ModifyAccountPassword page, the one of ResetAccountPassword, and those documented for
PolarDB accounts elsewhere (``ResetAccount``, and the ones the Terraform provider retries on); the gateway's
common codes come from :mod:`..codes`.
"""

from __future__ import annotations

import re

from ....errors import FATAL, RETRYABLE, Entry
from ....passwords import PasswordPolicy
from ....provider import ProviderSpec
from ..cloud import CLOUD
from ..codes import error_table

NAME = "alibabacloud-polardb"

MODIFY_ACCOUNT_PASSWORD: dict[str, Entry] = {
    "EngineMigration.ActionDisabled": (
        RETRYABLE,
        "The action is disabled while the cluster migrates between engines. Judgement: the migration ends by "
        "itself; one that lasts surfaces as a persistent retryable failure",
    ),
    "LockTimeout": (RETRYABLE, "The request failed because of a lock timeout"),
    "InvalidAccountPassword.Malformed": (FATAL, "The password is not valid"),
    "InvalidDBCluster.NotFound": (FATAL, "The DBClusterId does not exist"),
    "InvalidDBClusterId.Malformed": (FATAL, "The DBClusterId is not valid"),
    "InvalidDBClusterId.NotFound": (FATAL, "The DBClusterId does not exist"),
}

DOCUMENTED_ELSEWHERE: dict[str, Entry] = {
    "InvalidAccountName.NotFound": (FATAL, "The account does not exist"),
    "InvalidAccountName.Malformed": (FATAL, "The account name is not valid"),
    "ConcurrentTaskExceeded": (RETRYABLE, "The number of concurrent tasks exceeds the quota; they end by themselves"),
    "OperationDenied.DBClusterStatus": (
        RETRYABLE,
        "The cluster's status does not allow the operation now. Judgement: restarts and changes end by themselves",
    ),
    "OperationDenied.DBStatus": (RETRYABLE, "The database's status does not allow the operation now (as above)"),
}

CODES: dict[str, Entry] = {**DOCUMENTED_ELSEWHERE, **MODIFY_ACCOUNT_PASSWORD}


SPEC = ProviderSpec(
    name=NAME,
    title="PolarDB clusters (`pc-…`), MySQL or PostgreSQL",
    reset_mode="synchronous",
    cloud=CLOUD,
    service="POLARDB",
    instance_id=re.compile(r"^pc-[a-z0-9]{4,40}$"),
    password_policy=PasswordPolicy(
        name=NAME, min_length=8, max_length=32, symbols="!@#$%^&*()_+-=", classes_required=3
    ),
    errors=error_table(NAME, CODES),
    engine="postgres",
    client_class=f"{__name__}.client:PolarDbApi",
    actions=("polardb:ModifyAccountPassword", "polardb:DescribeAccounts", "polardb:DescribeDBClusterAttribute"),
)
