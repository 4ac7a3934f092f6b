"""Huawei Cloud RDS for MySQL, PostgreSQL and SQL Server (``huaweicloud-rds``): the RDS v3 REST API.

Sources (huaweicloudsdkrds 3.1.219 ``v3/rds_client.py`` and ``v3/model``; the RDS API reference's pages, named
by their path below support.huaweicloud.com, api-rds/…):

- A named account: ``SetDbUserPwd``, ``POST /v3/{project_id}/instances/{instance_id}/db_user/resetpwd``
  ``{"name", "password"}`` → ``{"resp": "successful"}``, synchronous (no job id), the same path for the three
  engines (MySQL rds_06_0041, PostgreSQL rds_11_0001, SQL Server rds_08_0034; the SDK's ``set_db_user_pwd`` and
  ``set_postgresql_db_user_pwd`` both go there). SQL Server's admin account, ``rdsuser``, is reset so.
- The ``root`` account of MySQL and PostgreSQL: ``ResetPwd``, ``POST /v3/{project_id}/instances/{instance_id}/
  password`` ``{"db_user_pwd"}`` → an empty answer, synchronous ("仅支持RDS for MySQL和RDS for PostgreSQL实例",
  rds_05_0011).
- The account's state: ``ListInstances`` (``GET /v3/{project_id}/instances?id=…``) for the instance's ``status``
  (:data:`client.INSTANCE_STATUS`; ``db_user_name``, its admin account, which the user listing need not show), then
  ``ListDbUsers`` (``GET …/instances/{instance_id}/db_user/detail?page=&limit=``, paged by page number from 1,
  limit 1 to 100, both mandatory: rds_06_0032, rds_11_0007) for the account. RDS lists no per-account state.
- Privileges, where the listing reports them: MySQL's and SQL Server's ``databases[]`` (``name``, ``readonly``),
  PostgreSQL's role ``attributes`` and ``memberof``.

The secret's ``engine`` is the login probe's: ``mysql`` by default, ``postgres`` for a PostgreSQL instance. A SQL
Server instance's secret names no ``host``: no SQL Server can be reached from here to prove a login, so RDS's answer
is the only proof of its rotation (the secret format cannot refuse ``host`` by engine, since the provider serves all
three: leaving it out is the operator's part). The system accounts RDS manages (PostgreSQL's ``rdsAdmin``,
``rdsRepl``, ``rdsBackup``, ``rdsMetric``, ``rdsProxy``, ``rdsDdm``, ``rdsDisaster``:
``postgresql_user_for_creation.py``; SQL Server's ``rdsadmin``, ``rdsbackup``, ``rdsmirror``:
``sqlserver_user_for_creation.py``) are never reset.

The instance id is 32 lower-case hex digits, ``in`` and two digits in every example (``…in01`` MySQL, ``…in03``
PostgreSQL, ``…in04`` SQL Server); the engine is never read from the suffix. The project id is the secret's
``project_id`` when given (32 letters and digits), else looked up through IAM (:mod:`..api`).

Passwords (:data:`SPEC`'s policy): 8 to 32 characters, three of the four classes, and the symbols every engine and
both calls accept, ``~!@#%^*-_+?,`` (MySQL allows ``~!@#$%^*-_=+?,()&``, SQL Server ``~!@#$%^*-_+?,``, PostgreSQL
``~!@#%^*-_=+?,``: rds_06_0041, rds_08_0034, rds_11_0001, rds_05_0011); never the account's name or its reverse
(the core's rule, which all three pages state). The weak-password dictionary RDS also applies is not published.

IAM actions (identity policies, the pages' "授权信息"): ``rds:password:update`` (SetDbUserPwd on MySQL and
PostgreSQL, ResetPwd), ``rds:databaseUser:update`` (SetDbUserPwd on SQL Server), ``rds:databaseUser:list``
(ListDbUsers, rds_06_0032), ``rds:instance:list`` (ListInstances, rds_10_0008); and, only when a secret names no
``project_id``, IAM's ``iam:projects:list`` for KeystoneListProjects (iam_06_0001 says IAM users need a permission
and does not name it: that name is our reading of IAM's action scheme, not verified).

Error codes: the RDS v3 error table's codes, common to RDS's calls, are in :mod:`..codes` with the gateway's; the
codes below are the ones only these calls' pages add. RDS publishes no per-call codes for an account that does not
exist or a password it refuses (rds_10_0201 has no such row): such answers are classified by their code where
the table lists it, else by HTTP status.
"""

from __future__ import annotations

import re

from ....errors import FATAL, Entry
from ....passwords import PasswordPolicy
from ....provider import ProviderSpec
from ....secret import Field
from ..cloud import CLOUD
from ..codes import error_table

NAME = "huaweicloud-rds"

CODES: dict[str, Entry] = {
    "DBS.200052": (
        FATAL,
        "Invalid database root password (ResetPwd): the password breaks the engine's rules. Judgement: the "
        "generator follows the rules every engine shares; one it cannot see (the weak-password dictionary) refuses "
        "the same pending password again, and a new rotation draws a new one",
    ),
    "DBS.280246": (FATAL, "Invalid database root password (as DBS.200052)"),
}


SPEC = ProviderSpec(
    name=NAME,
    title="Huawei Cloud RDS for MySQL, PostgreSQL, SQL Server (`…in01`, `root` by ResetPwd)",
    reset_mode="synchronous",
    cloud=CLOUD,
    service="RDS",
    instance_id=re.compile(r"^[0-9a-f]{32}in[0-9]{2}$"),
    password_policy=PasswordPolicy(name=NAME, min_length=8, max_length=32, symbols="~!@#%^*-_+?,", classes_required=3),
    errors=error_table(NAME, CODES),
    engine="mysql",
    client_class=f"{__name__}.client:HuaweiRdsApi",
    fields={
        "project_id": Field(
            pattern=re.compile(r"^([A-Za-z0-9]{32})?$"),
            default="",
            meaning="a Huawei Cloud project id (32 letters and digits)",
        )
    },
    actions=("rds:password:update", "rds:databaseUser:update", "rds:databaseUser:list", "rds:instance:list"),
)
