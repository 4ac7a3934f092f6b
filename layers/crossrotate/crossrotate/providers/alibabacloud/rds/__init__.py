"""ApsaraDB RDS (``alibabacloud-rds``): Alibaba Cloud OpenAPI, product ``rds`` 2014-08-15 (RPC style).

The spec is cheap to import; the client is imported when a secret of this provider is rotated. Error codes:
every code of the ResetAccountPassword page, including the one whose code is a placeholder (``%s`` with
"DB Operation Failed:%s.", matched by its message), and the codes of the two read calls; the gateway's common
codes come from :mod:`..codes`.
"""

from __future__ import annotations

import re

from ....errors import FATAL, RETRYABLE, Entry
from ....passwords import PasswordPolicy
from ....provider import ProviderSpec
from ..cloud import CLOUD
from ..codes import error_table

NAME = "alibabacloud-rds"

CODES: dict[str, Entry] = {
    "Account.UpdateError": (
        FATAL,
        "Update Account failed: check the request parameters or the instance's parameter policy. Judgement: the "
        "instance's own password policy refusing the password does not change by retrying",
    ),
    "Database.ConnectError": (
        RETRYABLE,
        "Database connect error: check the instance status and its connection pool. Judgement: a full pool or "
        "a restarting instance clears by itself",
    ),
    "GdnRole.NotSupport": (FATAL, "The instance's GDN role does not support the operation"),
    "InvalidAccountPassword.Format": (FATAL, "The account password is not valid"),
    "IncorrectAccountStatus": (
        RETRYABLE,
        "The account's status does not support the operation. Judgement: accounts leave creating/modifying by "
        "themselves",
    ),
    "IncorrectDBInstanceType": (FATAL, "The instance type does not support the operation"),
    "IncorrectDBInstanceState": (
        RETRYABLE,
        "The instance is not running. Judgement: restarts, class changes and backups end by themselves; an "
        "instance that stays stopped surfaces as a persistent retryable failure",
    ),
    "IncorrectAccountType": (FATAL, "The account type does not support the operation"),
    "IncorrectDBInstanceCharacterType": (FATAL, "The instance's character type does not support the operation"),
    "IncorrectAccountPrivilegeType": (FATAL, "The account's privilege type does not support the operation"),
    "InvalidDBInstanceName.NotFound": (FATAL, "The instance does not exist"),
    "IncorrectDBInstanceLockMode": (
        FATAL,
        "The instance is locked. Judgement: locks for expiry, disk quota or by hand need someone to act",
    ),
    "InvalidAccountName.NotFound": (FATAL, "The account does not exist"),
    # Read by testSecret.
    "InvalidDBInstanceId.NotFound": (FATAL, "The instance does not exist"),
}

MESSAGES: dict[str, Entry] = {
    "DB Operation Failed": (
        RETRYABLE,
        "DB Operation Failed:%s (documented with the code %s: the code is the database's own error). "
        "Judgement: usually a transient database condition; retried within the small in-invocation budget",
    ),
}


SPEC = ProviderSpec(
    name=NAME,
    title="ApsaraDB RDS (`rm-…`, `pgm-…`)",
    reset_mode="synchronous",
    cloud=CLOUD,
    service="RDS",
    instance_id=re.compile(r"^(rm|pgm)-[a-z0-9]{4,40}$"),
    password_policy=PasswordPolicy(
        name=NAME, min_length=8, max_length=32, symbols="!@#$%^&*()_+-=", classes_required=3
    ),
    errors=error_table(NAME, CODES, MESSAGES),
    engine="postgres",
    client_class=f"{__name__}.client:AlibabaRdsApi",
    actions=("rds:ResetAccountPassword", "rds:DescribeAccounts", "rds:DescribeDBInstanceAttribute"),
)
