"""ApsaraDB for MongoDB (``alibabacloud-mongodb``): Alibaba Cloud OpenAPI, product ``Dds`` 2015-12-01 (RPC style),
for replica set, standalone and sharded cluster instances (``dds-…``).

Sources: the official SDK ``alibabacloud-dds20151201`` 9.5.0 (``client.py``: the call shapes and the endpoint map;
``models/_reset_account_password_request.py``, ``_describe_accounts_response_body.py``,
``_describe_dbinstance_attribute_response_body.py``), the API pages ResetAccountPassword
(https://www.alibabacloud.com/help/en/mongodb/api-resetaccountpassword, and its zh copy
https://help.aliyun.com/document_detail/62152.html), DescribeAccounts (https://help.aliyun.com/document_detail/62153.html)
and DescribeDBInstanceAttribute, and the official Terraform provider (``alicloud/service_alicloud_mongodb.go``,
``resource_alicloud_mongodb_account.go``).

- **Only ``root``.** "This operation can be used to reset only the password of the root account of an instance"
  (ResetAccountPassword; the SDK: "Set the value to **root**"): the spec's ``only_username`` makes a secret that
  names another account, or two (dual-account), an ``InvalidSecret`` before any call.
- **No login proof.** No MongoDB server is reachable in tests, so the provider's answer is the proof
  (``engine=None``): a secret that names ``host`` is refused.
- **Synchronous, then settling.** The reset answers a ``RequestId`` alone; the account is listed ``Unavailable``
  until the change is applied (Terraform polls DescribeAccounts until ``Available``), and the instance stays
  ``Running`` ("When you reset the password, the instance runs as expected", the console guide).
- **Sharded clusters.** ``CharacterType`` "is required" for a sharded cluster instance (``db`` or ``cs``) and empty
  or ``normal`` for a replica set. The client reads the instance's ``DBInstanceType`` and sends ``cs`` for
  ``sharding``, as Terraform's instance-level reset does: the ``root`` that clients log in with through mongos
  (cluster users live on the config servers). A shard's own ``root`` (``db``) is not rotated.
- **Password.** 8 to 32 characters, three of the four classes. The documents disagree on the symbols: the SDK and
  the English page allow ``!#$%^&*()_+-=`` (no ``@``), the Chinese page ``!@#$%^&*()_+-=``, the getting-started
  guide ``!@#$%^&*()_+=`` (no ``-``), the sharded-cluster guide ``!#$%^&*()_+=``. The policy generates from what
  all of them allow: ``!#$%^&*()_+=``.
- **Privileges** are not documented in any answer: the SDK 9.5.0 model alone lists ``Roles`` (``DBName``, ``Role``)
  in DescribeAccounts, which the client reads when present (dual-account is refused anyway).

Error codes: the five of the ResetAccountPassword page, the one of DescribeDBInstanceAttribute (DescribeAccounts
lists none), and the three Terraform handles for Dds 2015-12-01; the gateway's common codes come from
:mod:`..codes`.
"""

from __future__ import annotations

import re

from ....errors import FATAL, RETRYABLE, Entry
from ....passwords import PasswordPolicy
from ....provider import ProviderSpec
from ..cloud import CLOUD
from ..codes import error_table

NAME = "alibabacloud-mongodb"

RESET_ACCOUNT_PASSWORD: dict[str, Entry] = {
    "InvalidAccountPassword.Malformed": (FATAL, "Specified parameter AccountPassword is not valid"),
    "InvalidAccountName.NotFound": (
        FATAL,
        "The AccountName provided does not exist in our records (only root can be reset; on a sharded cluster, "
        "for the CharacterType sent)",
    ),
    "InvalidAccountName.Malformed": (FATAL, "The specified parameter AccountName is not valid"),
    "OperationDenied.AccountStatus": (
        RETRYABLE,
        "The operation is not permitted due to status of account. Judgement: the account is Unavailable while an "
        "earlier change is applied and becomes Available by itself (Terraform waits for it); one that stays so "
        "surfaces as a persistent retryable failure",
    ),
    "OperationDenied.AccountType": (FATAL, "The operation is not permitted due to type of account (not root)"),
}

DESCRIBE_DB_INSTANCE_ATTRIBUTE: dict[str, Entry] = {
    "VpcCloudInstanceIdNumError": (
        RETRYABLE,
        "Get vpcCloudInstanceId number error. Judgement: the service's own network metadata of the instance is "
        "inconsistent, nothing the request can change; retried, and one that persists reaches the alarm",
    ),
}

HANDLED_BY_TERRAFORM: dict[str, Entry] = {
    "InvalidDBInstanceId.NotFound": (FATAL, "The instance does not exist (in this region: check the endpoint)"),
    "OperationDenied.DBInstanceStatus": (
        RETRYABLE,
        "The instance's status does not allow the operation now. Judgement: restarts and changes end by "
        "themselves (Terraform retries it)",
    ),
    "InstanceStatusInvalid": (
        RETRYABLE,
        "The instance is busy. Judgement: as OperationDenied.DBInstanceStatus, it ends by itself (Terraform retries "
        "it)",
    ),
}

CODES: dict[str, Entry] = {**HANDLED_BY_TERRAFORM, **DESCRIBE_DB_INSTANCE_ATTRIBUTE, **RESET_ACCOUNT_PASSWORD}


SPEC = ProviderSpec(
    name=NAME,
    title="ApsaraDB for MongoDB (`dds-…`): replica sets, standalone, sharded clusters",
    reset_mode="synchronous",
    cloud=CLOUD,
    service="DDS",
    instance_id=re.compile(r"^dds-[a-z0-9]{4,40}$"),
    password_policy=PasswordPolicy(name=NAME, min_length=8, max_length=32, symbols="!#$%^&*()_+=", classes_required=3),
    errors=error_table(NAME, CODES),
    engine=None,
    only_username="root",
    client_class=f"{__name__}.client:MongoDbApi",
    actions=("dds:ResetAccountPassword", "dds:DescribeAccounts", "dds:DescribeDBInstanceAttribute"),
)
