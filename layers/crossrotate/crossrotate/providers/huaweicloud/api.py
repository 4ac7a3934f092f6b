"""A Huawei Cloud REST service (v3) for one database account: calls named by their SDK operation, each a route
(method and path template; its parameters split into path, query and JSON body), signed with SDK-HMAC-SHA256
(:mod:`.signer`) with ``X-Project-Id`` among the signed headers, and the error envelope read as huaweicloudsdkcore
3.1.219's ``DefaultExceptionHandler`` reads it: a status of 400 or more, the code and message from ``error_code`` and
``error_msg`` (else ``errorCode``/``errorMsg``, else ``code``/``message``, else the first nested object that has
them: IAM's Keystone form ``{"error": {"code": 401, "message", "title"}}``), the request id from the
``X-Request-Id`` header (IAM: ``X-IAM-Trace-Id``; the gateway's own errors also carry ``request_id`` in the body).
A code that is a number (Keystone's, its HTTP status) or a body with none becomes ``HTTP.<status>``. The provider's
message is redacted of every credential the request carried. Temporary credentials whose token the gateway calls
expired (``APIGW.0301``) are renewed once (keyless access) and the call is made again.

**Project id.** Every RDS path starts with the project's id (``/v3/{project_id}/…``). It is the secret's
``project_id`` when it names one; otherwise it is looked up as huaweicloudsdkcore does when ``BasicCredentials`` has
none (``auth/credentials.py`` ``process_auth_params``): IAM's ``KeystoneListProjects``, ``GET
https://iam.{region}.myhuaweicloud.com/v3/projects?name={region}``, signed (no ``X-Project-Id``), exactly one
project expected (none: ``Project.NotFound``; several: ``Project.Ambiguous``, both naming the fix). The answer is
kept for the process per IAM endpoint, region and access key, as the SDK keeps it per access key and region: keyless
access looks it up again with each new set of temporary credentials, at most hourly. IAM's endpoint is
``HUAWEICLOUD_ENDPOINT_URL_IAM`` (or ``HUAWEICLOUD_ENDPOINT_URL``), else the SDK's regional one
(``auth/endpoint.py``), else its global ``https://iam.myhuaweicloud.com``.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple
from urllib.parse import quote

import httpx

from ...errors import ErrorTable, redact, transport_error
from ...ports import ApiCredentials
from ...provider import ClientConfig
from ..http import SignedApi, host_header, json_body, send
from .codes import EXPIRED_SESSION
from .signer import canonical_query, signed_headers

CONTENT_TYPE = "application/json"
PAGE = 100
MAX_PAGES = 50
PROJECT_ID = re.compile(r"^[A-Za-z0-9]{32}$")
"""A project id: 32 letters and digits (lower-case hex in every example)."""

IAM_REGIONS = frozenset(
    {
        "cn-north-2", "cn-north-4", "cn-north-1", "cn-east-2", "cn-east-3", "cn-south-1", "cn-south-2",
        "cn-southwest-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "af-south-1", "sa-brazil-1",
        "la-south-2", "na-mexico-1", "la-north-2", "cn-north-9", "eu-west-0", "my-kualalumpur-1", "ru-moscow-1",
        "me-east-1", "ap-southeast-4", "ae-ad-1", "cn-east-4", "cn-east-5", "tr-west-1", "cn-north-12",
    }
)  # fmt: skip
"""The regions with an IAM endpoint of their own (huaweicloudsdkcore 3.1.219 ``auth/endpoint.py``)."""
GLOBAL_IAM = "https://iam.myhuaweicloud.com"
EUROPE = {"eu-west-101": "myhuaweicloud.eu"}
"""Huawei Cloud Europe's domain (huaweicloudsdkrds 3.1.219 ``v3/region/rds_region.py``)."""


def default_endpoint(service: str, region: str) -> str:
    return f"https://{service}.{region}.{EUROPE.get(region, 'myhuaweicloud.com')}"


def iam_endpoint(region: str) -> str:
    return f"https://iam.{region}.myhuaweicloud.com" if region in IAM_REGIONS else GLOBAL_IAM


class Route(NamedTuple):
    """Where an operation goes: its method, its path template (``{project_id}`` and the call's path parameters),
    and which of its parameters go in the query; the rest are its JSON body."""

    method: str
    path: str
    query: tuple[str, ...] = ()


def error_fields(body: Mapping[str, Any]) -> tuple[Any, str] | None:
    """The code and message of an error envelope, as the SDK's handler finds them; None when it has none."""
    for code_key, message_key in (("error_code", "error_msg"), ("errorCode", "errorMsg"), ("code", "message")):
        if code_key in body and message_key in body:
            return body[code_key], str(body[message_key])
    for value in body.values():
        if isinstance(value, dict):
            found = error_fields(value)
            if found is not None:
                return found
    return None


def request_id_of(response: httpx.Response, body: Mapping[str, Any] | None) -> str | None:
    """``X-Request-Id``, else the body's ``request_id`` (the gateway's errors), else IAM's ``X-IAM-Trace-Id``."""
    found = response.headers.get("X-Request-Id")
    if not found and body is not None and isinstance(body.get("request_id"), str):
        found = body["request_id"]
    found = found or response.headers.get("X-IAM-Trace-Id")
    return found[:128] if found else None


class Failure(NamedTuple):
    """An error answer as the envelope gives it: its code (``HTTP.<status>`` where it names none), message, request
    id and HTTP status."""

    code: str
    message: str
    request_id: str | None
    status: int


def read_answer(response: httpx.Response, provider: str) -> dict[str, Any] | Failure:
    """A 2xx answer's JSON object (an empty body is an empty object: ResetPwd documents none), or the error it
    carries. A 2xx answer holding an error envelope is an error all the same: nothing documents one, and no error
    is ever taken for success."""
    body = json_body(response)
    status = response.status_code
    if 200 <= status < 300:
        if body is None:
            if not response.content.strip():
                return {}
            raise transport_error(provider, "Transport.BadResponse", "the answer is not a JSON object")
        if not ("error_code" in body and "error_msg" in body):
            return body
    found = error_fields(body) if body is not None else None
    code, message = found if found is not None else (None, "no error code in the answer")
    return Failure(code_of(code, status), message, request_id_of(response, body), status)


def answer_of(response: httpx.Response, errors: ErrorTable, secrets: tuple[str | None, ...]) -> dict[str, Any]:
    """The answer's JSON object, or the classified error it carries, its message redacted of ``secrets``."""
    answer = read_answer(response, errors.provider)
    if isinstance(answer, Failure):
        raise errors.error(
            answer.code, redact(answer.message, secrets), request_id=answer.request_id, http_status=answer.status
        )
    return answer


def code_of(code: Any, status: int) -> str:
    """The error's code: the envelope's string, or ``HTTP.<status>`` for a number (Keystone's status) or none."""
    if isinstance(code, str) and code:
        return code[:80]
    number = code if isinstance(code, int) and not isinstance(code, bool) else status
    return f"HTTP.{number}"


_projects: dict[tuple[str, str, str], str] = {}
_projects_lock = threading.Lock()


def forget_projects() -> None:
    """Forget every project id looked up (a new sandbox's state)."""
    with _projects_lock:
        _projects.clear()


class HuaweiApi(SignedApi):
    """Calls of one service (``rds``) for the account ``config`` names, each an operation of :attr:`routes`."""

    expired_session = EXPIRED_SESSION
    routes: Mapping[str, Route] = {}

    def __init__(self, config: ClientConfig, service: str, errors: ErrorTable) -> None:
        region = config.account.region
        super().__init__(config, default_endpoint(service, region), "v3", errors)
        self.base = self.url.rstrip("/")
        self.given_project = config.account.options.get("project_id") or None
        self.iam_url = config.settings.endpoint("IAM") or iam_endpoint(region)
        self.request_id: str | None = None
        """The request id of the last answer."""

    def attempt(self, action: str, params: Mapping[str, Any], sensitive: tuple[str, ...]) -> dict[str, Any]:
        credentials = self.source.credentials()
        project = self.project(credentials)
        route = self.routes[action]
        in_path = {name for name in params if "{" + name + "}" in route.path}
        path = route.path.format(
            project_id=quote(project, safe=""), **{name: quote(str(params[name]), safe="") for name in in_path}
        )
        query = {name: str(params[name]) for name in route.query if name in params}
        body = {name: value for name, value in params.items() if name not in in_path and name not in route.query}
        payload = b"" if route.method == "GET" else json.dumps(body).encode()
        return self.signed_call(
            action, route.method, self.base, self.host_header, path, query, payload, credentials, project, sensitive
        )

    def signed_call(
        self,
        action: str,
        method: str,
        base: str,
        host: str,
        path: str,
        query: Mapping[str, str],
        payload: bytes,
        credentials: ApiCredentials,
        project: str | None,
        sensitive: tuple[str, ...],
    ) -> dict[str, Any]:
        """One signed request (``X-Project-Id`` signed when there is a project) and its answer."""
        headers = {"Content-Type": CONTENT_TYPE, **({"X-Project-Id": project} if project else {})}
        added = signed_headers(credentials, int(self.now()), method, host, path, query, headers, payload)
        url = base + path + (f"?{canonical_query(query)}" if query else "")
        request = self.http.build_request(method, url, content=payload or None, headers={**headers, **added})
        response = send(self.http, request, self.errors.provider, action)
        body = answer_of(response, self.errors, (*sensitive, credentials.key_secret, credentials.token))
        self.request_id = request_id_of(response, body)
        return body

    # -- the project --------------------------------------------------------------------------------------
    def project(self, credentials: ApiCredentials) -> str:
        """The secret's ``project_id``, else the region's one project as IAM lists it for this key (kept)."""
        if self.given_project:
            return self.given_project
        region = self.account.region
        key = (self.iam_url, region, credentials.key_id)
        with _projects_lock:
            held = _projects.get(key)
        if held is not None:
            return held
        found = self.list_projects(credentials, region)
        with _projects_lock:
            _projects[key] = found
        return found

    def list_projects(self, credentials: ApiCredentials, region: str) -> str:
        body = self.signed_call(
            "KeystoneListProjects", "GET", self.iam_url, host_header(self.iam_url + "/"), "/v3/projects",
            {"name": region}, b"", credentials, None, (),
        )  # fmt: skip
        request_id = self.request_id
        ids = [project["id"] for project in body["projects"]]
        if not all(isinstance(found, str) and PROJECT_ID.fullmatch(found) for found in ids):
            raise transport_error(self.errors.provider, "Transport.BadResponse", "a listed project has no valid id")
        if len(ids) == 1:
            return str(ids[0])
        if not ids:
            message = f"IAM lists no project named {region} for this key"
            raise self.errors.error("Project.NotFound", message, request_id=request_id)
        listed = ", ".join(ids[:5])
        raise self.errors.error(
            "Project.Ambiguous", f"IAM lists {len(ids)} projects named {region} ({listed})", request_id=request_id
        )

    # -- listings -----------------------------------------------------------------------------------------
    def pages(self, action: str, params: Mapping[str, Any], items: str) -> Iterator[dict[str, Any]]:
        """Every item of a listing paged by page number (``page`` from 1, ``limit`` 100, ``total_count``), read
        lazily: a caller that finds what it looks for stops the reading."""
        for page in range(1, MAX_PAGES + 1):
            body = self.call(action, {**params, "page": page, "limit": PAGE})
            found = body[items]
            if not isinstance(found, list):
                raise transport_error(self.errors.provider, "Transport.BadResponse", f"{action} has no {items} list")
            yield from (item for item in found if isinstance(item, dict))
            if len(found) < PAGE or page * PAGE >= int(body.get("total_count") or 0):
                return
