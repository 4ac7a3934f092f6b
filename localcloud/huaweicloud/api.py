"""What every Huawei Cloud emulator shares: the API gateway's SDK-HMAC-SHA256 check on every request (against the
keys it knows; temporary keys only with their ``X-Security-Token``, signed, and until they expire; ``X-Sdk-Date``
signed and within 15 minutes; every signed header present), the routes of a REST service (an operation is a method
and a path template), and the envelope: errors as ``{"error_code", "error_msg"}`` (the gateway's own add
``request_id``) with their HTTP status, every answer with an ``X-Request-Id`` header. It also answers IAM's
``KeystoneListProjects`` (``GET /v3/projects?name=<region>``), the project lookup huaweicloudsdkcore makes when no
project id is configured, with the projects :attr:`HuaweiApiEmulator.projects` holds.

The signature check is written here apart from the library's signer (huaweicloudsdkcore 3.1.219
``signer/signer.py`` is the reference): the official SDK is driven against it in the tests, so a mistake in either
shows. Sources: devg-apisign/api-sign-algorithm-002 (the canonical request; a trailing ``/`` on the URI),
api-sign-0001 and api-sign-errorcode (``APIGW.*``, the 15-minute window), api-iam/iam_04_0003 (temporary keys
carry ``X-Security-Token``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

from ..base import EmulatorServer, ProviderError, Request, Response, SignedApiEmulator

AUTHORIZATION = re.compile(
    r"^SDK-HMAC-SHA256 Access=(?P<id>[^,\s]+), SignedHeaders=(?P<signed>[a-z0-9;_-]+), "
    r"Signature=(?P<signature>[0-9a-f]{64})$"
)
SKEW_S = 15 * 60
EMPTY_HASH = hashlib.sha256(b"").hexdigest()
NOT_AUTHENTICATED = "Incorrect IAM authentication information"
IAM_TRACE = "X-IAM-Trace-Id"


def _enc(text: str) -> str:
    return quote(text, safe="~")


def canonical_uri(path: str) -> str:
    uri = "/".join(_enc(segment) for segment in unquote(path).split("/"))
    return uri if uri.endswith("/") else uri + "/"


def canonical_query(raw: str) -> str:
    pairs = sorted(parse_qsl(raw, keep_blank_values=True))
    return "&".join(f"{_enc(key)}={_enc(value)}" for key, value in pairs)


def not_authenticated(detail: str) -> ProviderError:
    return ProviderError("APIGW.0301", f"{NOT_AUTHENTICATED}: {detail}", 401)


def compile_route(template: str) -> re.Pattern[str]:
    """A path template (``/v3/{project_id}/instances``) as a pattern with a group per parameter."""
    return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "/?$")


class HuaweiEndpoint(EmulatorServer):
    """What every Huawei Cloud endpoint answers in, signed or anonymous (its STS): JSON with ``X-Request-Id``;
    errors as ``{"error_code", "error_msg"}`` with their status (400 for one that names none), the gateway's
    (``APIGW.*``) with ``request_id`` too. An error named ``HTTP.<status>`` is that status with no code in the body:
    what a service answers whose codes are not published (the stand-in cannot name them)."""

    def success(self, result: dict[str, Any], trace: str = "X-Request-Id") -> Response:
        return self.json_response(result, headers={trace: self.request_id()})

    def error_response(self, error: ProviderError, headers: dict[str, str] | None = None) -> Response:
        request_id = self.request_id()
        status = error.status if error.status != 200 else 400
        document: dict[str, Any] = {"error_msg": error.message}
        if error.code.startswith("HTTP.") and error.code[5:].isdigit():
            status = int(error.code[5:])
        else:
            document["error_code"] = error.code
        if error.code.startswith(("APIGW.", "HTTP.")):
            document["request_id"] = request_id
        return self.json_response(document, status, {"X-Request-Id": request_id, **(headers or {})})

    @staticmethod
    def request_id() -> str:
        return uuid.uuid4().hex


class HuaweiApiEmulator(HuaweiEndpoint, SignedApiEmulator):
    """One REST service: the gateway's authentication, its routes (:attr:`routes`, operation → method and path
    template) and the envelope; subclasses add the operations (:meth:`actions`). Each call is logged under its
    operation's name with its path, query and body parameters together (query values as strings)."""

    routes: Mapping[str, tuple[str, str]] = {}
    domain_id = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    """The account id the projects belong to."""

    def setup(self) -> None:
        super().setup()
        self.project_id = secrets.token_hex(16)
        """The project every region has unless :attr:`projects` says otherwise."""
        self.projects: dict[str, list[str]] = {}
        """Region → the ids IAM lists for a project of that name (none, or several, to test the lookup)."""
        self.signed_with: list[list[str]] = []
        """The signed headers of each authenticated request."""
        self._compiled = {
            action: (method, compile_route(template)) for action, (method, template) in self.all_routes().items()
        }

    def all_routes(self) -> dict[str, tuple[str, str]]:
        return {**self.routes, "KeystoneListProjects": ("GET", "/v3/projects")}

    def projects_in(self, region: str) -> list[str]:
        with self.lock:
            return list(self.projects.get(region, [self.project_id]))

    def known_project(self, project_id: object) -> bool:
        with self.lock:
            return project_id == self.project_id or any(project_id in ids for ids in self.projects.values())

    # -- the wire --------------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        route = self.route(request)
        action = route[0] if route else "?"
        try:
            self.authenticate(request)
            if route is None:
                raise ProviderError(
                    "APIGW.0101", "The API does not exist or has not been published in the environment", 404
                )
            params = {**route[1], **dict(parse_qsl(request.query, keep_blank_values=True))}
            params.update(self.body_of(request))
        except ProviderError as error:
            return self.refuse(action, {}, error)
        if action == "KeystoneListProjects":
            return self.answer(action, params, lambda: self.list_projects(params), lambda r: self.success(r, IAM_TRACE))
        return self.answer(action, self.logged(action, params), lambda: self.dispatch(action, params), self.success)

    def route(self, request: Request) -> tuple[str, dict[str, str]] | None:
        for action, (method, pattern) in self._compiled.items():
            match = pattern.match(request.path)
            if match and request.method == method:
                return action, {name: unquote(value) for name, value in match.groupdict().items()}
        return None

    @staticmethod
    def body_of(request: Request) -> dict[str, Any]:
        if request.method == "GET" or not request.body:
            return {}
        try:
            body = json.loads(request.body)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ProviderError("DBS.200001", "Parameter error: the body is not a JSON object", 400)
        return body

    def logged(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        """The parameters as the call log keeps them (a service names the instance a call concerns
        ``instance_id`` where the wire names it otherwise)."""
        return params

    def dispatch(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        handler = self.actions().get(action)
        if handler is None:
            raise ProviderError("APIGW.0101", "The API does not exist or has not been published", 404)
        if "project_id" in params and not self.known_project(params["project_id"]):
            # Judgement: the code for a project id the account does not own is not published.
            raise ProviderError("DBS.200010", "The operation is not authorized in this project.", 403)
        return handler(params)

    def authenticate(self, request: Request) -> str:
        """The access key, once the request's signature, date and token check out."""
        match = AUTHORIZATION.match(request.headers.get("authorization", ""))
        if not match:
            raise not_authenticated("the Authorization header is not SDK-HMAC-SHA256")
        signed = match["signed"].split(";")
        if "x-sdk-date" not in signed or any(name not in request.headers for name in signed):
            raise not_authenticated("x-sdk-date must be signed, and every signed header sent")
        for name in ("x-security-token", "x-project-id"):
            if name in request.headers and name not in signed:
                raise not_authenticated(f"{name} must be signed")
        try:
            moment = datetime.strptime(request.headers["x-sdk-date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        except ValueError:
            raise not_authenticated("x-sdk-date is not in the form 20191115T033655Z") from None
        if abs(self.now() - moment.timestamp()) > SKEW_S:
            raise not_authenticated("calc ak sk signature fail:signature expired")
        secret_key = self.keys.get(match["id"])
        if secret_key is None:
            raise not_authenticated("Get secretKey failed")
        payload_hash = (
            request.headers["x-sdk-content-sha256"]
            if "x-sdk-content-sha256" in request.headers
            else (hashlib.sha256(request.body).hexdigest() if request.body else EMPTY_HASH)
        )
        canonical = "\n".join(
            [
                request.method,
                canonical_uri(request.path),
                canonical_query(request.query),
                "".join(f"{name}:{request.headers[name].strip()}\n" for name in signed),
                match["signed"],
                payload_hash,
            ]
        )
        to_sign = f"SDK-HMAC-SHA256\n{request.headers['x-sdk-date']}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
        expected = hmac.new(secret_key.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, match["signature"]):
            raise not_authenticated("verify aksk signature fail")
        token = self.tokens.get(match["id"])
        if token is not None and request.headers.get("x-security-token") != token:
            raise not_authenticated("decrypt token fail")
        expiry = self.expiries.get(match["id"])
        if expiry is not None and self.now() >= expiry:
            raise not_authenticated("calc ak sk signature fail:signature expired")
        with self.lock:
            self.signed_with.append(signed)
        return match["id"]

    # -- IAM ---------------------------------------------------------------------------------------------
    def list_projects(self, params: dict[str, Any]) -> dict[str, Any]:
        """KeystoneListProjects filtered by ``name`` (a region): huaweicloudsdkiam 3.1.219 (v3)
        ``keystone_list_projects_response.py`` and ``project_result.py``."""
        name = params.get("name")
        if not isinstance(name, str) or not name:
            raise ProviderError("IAM.0007", "Request parameter 'name' is invalid.", 400)
        links = {"self": "https://iam.myhuaweicloud.com/v3/projects", "previous": None, "next": None}
        projects = [
            {
                "id": project_id,
                "name": name,
                "domain_id": self.domain_id,
                "is_domain": False,
                "parent_id": self.domain_id,
                "enabled": True,
                "description": "",
                "links": {"self": f"https://iam.myhuaweicloud.com/v3/projects/{project_id}"},
            }
            for project_id in self.projects_in(name)
        ]
        return {"projects": projects, "links": links}

    def actions(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        raise NotImplementedError


# The API gateway's codes, which every service answers (devg-apisign/api-sign-errorcode.html).
COMMON_CODES = ["APIGW.0101", "APIGW.0201", "APIGW.0301", "APIGW.0302", "APIGW.0303", "APIGW.0308"]
