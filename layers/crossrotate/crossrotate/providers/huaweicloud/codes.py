"""The error codes → (retryable, documented meaning) every Huawei Cloud service shares, under each provider's own
table: the API gateway's (``APIGW.*``, answered before a request reaches the service), the ``DBS.*`` codes common to
the database services' v3 APIs, and the ones this function names itself (a project it could not resolve, an answer
with no code).

Sources (Huawei Cloud's documentation pages are named by their path below support.huaweicloud.com):

- [APIG] the API gateway's error codes, devg-apisign/api-sign-errorcode.html and api-sign-0001.html; the
  ``APIGW.0301`` messages from sis_faq/sis_04_0082.html, sis_04_0087.html and ocr_faq/ocr_01_0063.html; the
  throttling message from ocr_faq/ocr_01_0041.html.
- [DBS] RDS v3 error codes, api-rds/rds_10_0201.html (HTTP status and meaning), the same table as Open Telekom
  Cloud's ``relational-database-service`` ``api-ref/source/appendix/error_codes.rst`` (a Huawei-stack cloud).
- [TF] ``huaweicloud/terraform-provider-huaweicloud`` ``huaweicloud/services/rds/common.go``: the codes Huawei's own
  Terraform provider retries ("Some error codes that need to be retried"), some of whose meanings are not published.
- [CORE] huaweicloudsdkcore 3.1.219 ``exceptions/exception_handler.py``: the envelope (``error_code`` and
  ``error_msg``, else ``errorCode``/``errorMsg``, else ``code``/``message``, else nested) and the fallback code, the
  HTTP status, when a body has none.

Huawei's codes are numbers, not names of a kind (``DBS.200011`` says nothing of what it is), so there are no
families: a code no table lists is classified by its HTTP status (429 and 5xx retryable, anything else fatal).
Judgement calls carry a "Judgement:" note.
"""

from __future__ import annotations

from collections.abc import Mapping

from ...errors import FATAL, RETRYABLE, Entry, ErrorTable

EXPIRED_SESSION = "APIGW.0301"
"""What the gateway answers to temporary credentials whose security token expired ("calc ak sk signature
fail:signature expired", [APIG]): renewed once, then final. The same code also means a wrong key or signature, for
which one renewal is a wasted exchange and nothing worse."""

GATEWAY: dict[str, Entry] = {
    "APIGW.0101": (
        FATAL,
        "The API does not exist or has not been published in the environment: a wrong endpoint (region) or path",
    ),
    "APIGW.0201": (
        RETRYABLE,
        "API request error: its 502 and 504 forms are an unavailable or slow backend. Judgement: retried; its 4xx "
        "forms (malformed request, entity too large) cannot be made better by this function either, and a "
        "persistent one reaches the alarm",
    ),
    "APIGW.0301": (
        FATAL,
        "Incorrect IAM authentication information: a wrong AK/SK or signature, an expired or wrong security token "
        "(keyless access renews the credentials once before this is final; an API key secret's token must be "
        "refreshed in the secret), a clock more than 15 minutes off, or an AK locked after repeated failures",
    ),
    "APIG.0301": (FATAL, "Incorrect IAM authentication information (the older gateway's name of APIGW.0301)"),
    "APIGW.0302": (FATAL, "The IAM user is not authorized to access the API (the API's access control lists)"),
    "APIGW.0303": (FATAL, "Incorrect app authentication information: an App-authenticated API, not an AK/SK one"),
    "APIGW.0308": (RETRYABLE, "The throttling threshold has been reached"),
}

DBS: dict[str, Entry] = {
    "DBS.108000": (RETRYABLE, "Server failure"),
    "DBS.108002": (RETRYABLE, "Server failure"),
    "DBS.108005": (RETRYABLE, "Server failure"),
    "DBS.200005": (RETRYABLE, "Server failure"),
    "DBS.213004": (RETRYABLE, "Failed to process the request"),
    "DBS.290006": (RETRYABLE, "Failed to process the request"),
    "DBS.290015": (RETRYABLE, "Failed to process the request"),
    "DBS.200001": (FATAL, "Parameter error"),
    "DBS.200004": (FATAL, "Parameter error"),
    "DBS.200405": (FATAL, "Parameter error"),
    "DBS.280001": (FATAL, "Parameter error"),
    "DBS.290000": (FATAL, "Parameter error"),
    "DBS.200006": (FATAL, "The request is null"),
    "DBS.200002": (FATAL, "The DB instance does not exist: check instance_id, region and project_id"),
    "DBS.200045": (FATAL, "The DB instance does not exist"),
    "DBS.200408": (FATAL, "The DB instance does not exist"),
    "DBS.200602": (FATAL, "The DB instance does not exist"),
    "DBS.201028": (FATAL, "The DB instance does not exist"),
    "DBS.290005": (FATAL, "The DB instance does not exist"),
    "DBS.290011": (FATAL, "The DB instance does not exist"),
    "DBS.290013": (FATAL, "Resource not found"),
    "DBS.280404": (FATAL, "Invalid DB instance ID or node ID format"),
    "DBS.200010": (FATAL, "The DB instance ID or user ID may be null, or the operation is not authorized"),
    "DBS.200604": (FATAL, "The DB instance ID or user ID may be null, or the operation is not authorized"),
    "DBS.200044": (FATAL, "Resource not found or permission denied: check the identity policy and project_id"),
    "DBS.201003": (FATAL, "Resource not found or permission denied"),
    "DBS.280015": (FATAL, "Resource not found or permission denied"),
    "DBS.280056": (FATAL, "Invalid token"),
    "DBS.200011": (
        RETRYABLE,
        "Another operation is being performed on the DB instance or the DB instance is faulty. Judgement: "
        "operations end by themselves ([TF] retries it); a faulty instance surfaces as a persistent retryable "
        "failure",
    ),
    "DBS.200019": (RETRYABLE, "Another operation is in progress on the DB instance, or it is faulty (as above)"),
    "DBS.200047": (RETRYABLE, "Another operation is in progress on the DB instance, or it is faulty (as above)"),
    "DBS.201202": (RETRYABLE, "Another operation is in progress on the DB instance, or it is faulty (as above)"),
    "DBS.200018": (
        RETRYABLE,
        "The instance's or a node's status does not allow the operation. Judgement: retried, as [TF] does",
    ),
    "DBS.200076": (RETRYABLE, "The instance or a node is not in a normal state. Judgement: retried, as [TF] does"),
    "DBS.200086": (
        RETRYABLE,
        "This operation is not allowed by the DB instance status. Judgement: creating, rebooting and class "
        "changes end by themselves; a frozen or abnormal instance stays so and verify names its status",
    ),
    "DBS.201014": (RETRYABLE, "This operation is not allowed by the DB instance status (as above)"),
    "DBS.01280030": (RETRYABLE, "The instance status is illegal for the operation ([TF] retries it)"),
    "DBS.200203": (
        RETRYABLE,
        "Failed to query the DB instance. Judgement: a failed read on the service's side, not a wrong request",
    ),
    "DBS.200316": (
        FATAL,
        "The operation cannot be performed because the DB instance status is Storage full: someone must free or "
        "add storage",
    ),
    "DBS.200402": (FATAL, "Invalid operation"),
    "DBS.280449": (FATAL, "Operation not allowed on frozen objects: the account is frozen (arrears or by hand)"),
    "DBS.280128": (FATAL, "The database name does not exist"),
}

RETRIED_BY_TERRAFORM: dict[str, Entry] = {
    code: (
        RETRYABLE,
        "Retried by Huawei's own Terraform provider ([TF] retryErrCodes); its meaning is not published. Judgement: "
        "retried likewise, within the small in-invocation budget",
    )
    for code in (
        "DBS.280011", "DBS.280343", "DBS.280816", "DBS.200611", "DBS.200080", "DBS.201015", "DBS.201206",
        "DBS.212033", "DBS.01010337",
    )
}  # fmt: skip

OURS: dict[str, Entry] = {
    "Project.NotFound": (
        FATAL,
        "IAM's KeystoneListProjects lists no project named after the secret's region for this key: set the "
        "secret's project_id (the region's project id, console: My Credentials > API Credentials), or check the "
        "region",
    ),
    "Project.Ambiguous": (
        FATAL,
        "IAM's KeystoneListProjects lists more than one project for the region (subprojects): set the secret's "
        "project_id to the one the instance is in",
    ),
    "HTTP.401": (
        FATAL,
        "HTTP 401 with no error code: not authenticated (IAM answers a wrong key or signature so, in Keystone's "
        "envelope)",
    ),
    "HTTP.403": (
        FATAL,
        "HTTP 403 with no error code: not allowed (IAM answers so when the identity may not list projects: grant "
        "iam:projects:list, or set the secret's project_id so that no lookup is needed)",
    ),
    "HTTP.404": (FATAL, "HTTP 404 with no error code: a wrong endpoint or path"),
}
"""This function's own names: a project lookup that found none or several, and an answer whose body names no code
(Keystone's ``{"error": {"code": 401, ...}}`` names only the status), kept as ``HTTP.<status>``."""

COMMON: dict[str, Entry] = {**GATEWAY, **DBS, **RETRIED_BY_TERRAFORM, **OURS}


def error_table(provider: str, codes: Mapping[str, Entry]) -> ErrorTable:
    """A Huawei Cloud provider's table: its own codes over the common ones; no families (see above)."""
    return ErrorTable(provider=provider, codes={**COMMON, **codes}, families={})
