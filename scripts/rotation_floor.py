"""The floor of `make bench`: the least a rotation step can do. It makes exactly the Secrets Manager calls and the
signed provider (and, keyless, STS) HTTP calls the function makes for the same event, with boto3 and httpx as the
function does, and nothing else: no logging, metrics, validation, retries or error handling, no waiting beyond
the reset task's poll. Its signers are written here, in a few lines each, not taken from the product; the
emulators check every signature, so a wrong one fails the floor's test.

``step(event)`` takes the event Secrets Manager sends a rotation function. It knows no provider: what setSecret
calls on each comes from ``FLOOR_RECIPES`` (the provider's cloud, API and calls, which its emulator module's kit
declares; ``localcloud.cloud.floor_environment``). Clients, the API key and temporary
credentials are kept for the process, as the function keeps them. ``tests/integration/test_rotation_floor.py``
holds its calls to the function's, call for call, for every provider, access and dual-account secret.
"""

import hashlib
import hmac
import json
import os
import secrets
import time
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import boto3

FIRST_POLL_S, SETTLE_POLL_S = 0.25, 2.0
"""The function's waits between reads of a reset task still running (doubling from the first to the second):
the floor waits as long."""
RECIPES = "FLOOR_RECIPES"
"""Per provider, its cloud, API and calls (``localcloud.cloud.floor_environment``: each emulator module's kit)."""
KEY_FIELDS = {
    "tencentcloud": ("secret_id", "secret_key"),
    "alibabacloud": ("access_key_id", "access_key_secret"),
    "huaweicloud": ("access_key", "secret_key"),
}
IDENTITY_PROVIDER = {
    "tencentcloud": "TENCENTCLOUD_OIDC_PROVIDER_ID",
    "alibabacloud": "ALIBABACLOUD_OIDC_PROVIDER_ARN",
    "huaweicloud": "HUAWEICLOUD_OIDC_PROVIDER_URN",
}

_kept: dict[Any, Any] = {}


def kept(key: Any, make: Any) -> Any:
    if key not in _kept:
        _kept[key] = make()
    return _kept[key]


def forget() -> None:
    """Drop what the process keeps (a new sandbox's state), closing its clients' connections."""
    for kept_value in _kept.values():
        getattr(kept_value, "close", lambda: None)()
    _kept.clear()


def aws(service: str) -> Any:
    return kept(service, lambda: boto3.client(service))


def http() -> Any:
    import httpx

    return kept("http", httpx.Client)


def step(event: dict[str, Any]) -> None:
    sm, secret_id, token = aws("secretsmanager"), event["SecretId"], event["ClientRequestToken"]
    if event["Step"] == "testSecret":
        sm.get_secret_value(SecretId=secret_id, VersionId=token)
        return
    stages = sm.describe_secret(SecretId=secret_id)["VersionIdsToStages"]
    if event["Step"] == "createSecret":
        current = json.loads(sm.get_secret_value(SecretId=secret_id, VersionStage="AWSCURRENT")["SecretString"])
        other = [name for name in current.get("usernames", []) if name != current["username"]]
        pending = {**current, "username": (other or [current["username"]])[0], "password": new_password()}
        extra = {"RotationToken": event["RotationToken"]} if event.get("RotationToken") else {}
        sm.put_secret_value(
            SecretId=secret_id,
            ClientRequestToken=token,
            SecretString=json.dumps(pending),
            VersionStages=["AWSPENDING"],
            **extra,
        )
    elif event["Step"] == "setSecret":
        pending = json.loads(sm.get_secret_value(SecretId=secret_id, VersionId=token)["SecretString"])
        reset(pending, credentials(pending))
    else:
        sm.get_secret_value(SecretId=secret_id, VersionId=token)
        current = next(version for version, labels in stages.items() if "AWSCURRENT" in labels)
        sm.update_secret_version_stage(
            SecretId=secret_id, VersionStage="AWSCURRENT", MoveToVersionId=token, RemoveFromVersionId=current
        )


def new_password() -> str:
    """Every class the providers ask for, then letters and digits."""
    return "Aa1!" + secrets.token_hex(14)


# -- credentials: the secret's API key secret or role, else the environment's -----------------------------


def credentials(secret: dict[str, Any]) -> tuple[str, str, str | None]:
    cloud = recipe_of(secret)["cloud"]
    prefix = cloud.upper()
    role = secret.get("role_arn") or (None if "credentials_secret" in secret else os.environ.get(f"{prefix}_ROLE_ARN"))
    if role:
        provider = secret.get("oidc_provider") or os.environ[IDENTITY_PROVIDER[cloud]]
        return kept((cloud, role, provider), lambda: EXCHANGES[cloud](secret["region"], role, provider))
    key_secret = secret.get("credentials_secret") or os.environ[f"{prefix}_CREDENTIALS_SECRET"]
    key = kept(
        key_secret,
        lambda: json.loads(
            aws("secretsmanager").get_secret_value(SecretId=key_secret, VersionStage="AWSCURRENT")["SecretString"]
        ),
    )
    id_field, secret_field = KEY_FIELDS[cloud]
    return key[id_field], key[secret_field], None


def web_identity_token() -> str:
    audience = os.environ.get("WEB_IDENTITY_AUDIENCE") or "crossrotate"
    answer = aws("sts").get_web_identity_token(Audience=[audience], SigningAlgorithm="RS256", DurationSeconds=300)
    return str(answer["WebIdentityToken"])


def session_name() -> str:
    return f"crossrotate-{os.environ.get('AWS_LAMBDA_FUNCTION_NAME', '')}".rstrip("-")


def tencent_exchange(region: str, role: str, provider: str) -> tuple[str, str, str]:
    params = {
        "ProviderId": provider,
        "WebIdentityToken": web_identity_token(),
        "RoleArn": role,
        "RoleSessionName": session_name(),
        "DurationSeconds": 3600,
    }
    headers = {
        "Content-Type": "application/json",
        "X-TC-Action": "AssumeRoleWithWebIdentity",
        "X-TC-Version": "2018-08-13",
        "X-TC-Region": region,
        "X-TC-Timestamp": str(int(time.time())),
        "Authorization": "SKIP",
    }
    url = os.environ.get("TENCENTCLOUD_ENDPOINT_URL_STS", "https://sts.tencentcloudapi.com") + "/"
    held = http().post(url, content=json.dumps(params).encode(), headers=headers).json()["Response"]["Credentials"]
    return held["TmpSecretId"], held["TmpSecretKey"], held["Token"]


def alibaba_exchange(region: str, role: str, provider: str) -> tuple[str, str, str]:
    params = [
        ("Action", "AssumeRoleWithOIDC"),
        ("Version", "2015-04-01"),
        ("Format", "JSON"),
        ("Timestamp", iso_now()),
        ("RoleArn", role),
        ("OIDCProviderArn", provider),
        ("OIDCToken", web_identity_token()),
        ("RoleSessionName", session_name()),
        ("DurationSeconds", "3600"),
    ]
    url = os.environ.get("ALIBABACLOUD_ENDPOINT_URL_STS", "https://sts.aliyuncs.com") + "/?" + query(params)
    held = http().get(url).json()["Credentials"]
    return held["AccessKeyId"], held["AccessKeySecret"], held["SecurityToken"]


def huawei_exchange(region: str, role: str, provider: str) -> tuple[str, str, str]:
    body = {
        "provider_urn": provider,
        "agency_urn": role,
        "agency_session_name": session_name(),
        "id_token": web_identity_token(),
        "duration_seconds": 3600,
    }
    url = os.environ.get("HUAWEICLOUD_ENDPOINT_URL_STS", f"https://sts.{region}.myhuaweicloud.com")
    answer = http().post(url + "/v5/agencies/assume-with-oidc", content=json.dumps(body).encode(), headers=JSON)
    held = answer.json()["credentials"]
    return held["access_key_id"], held["secret_access_key"], held["security_token"]


EXCHANGES = {"tencentcloud": tencent_exchange, "alibabacloud": alibaba_exchange, "huaweicloud": huawei_exchange}


# -- Tencent Cloud API 3.0 (TC3-HMAC-SHA256) ---------------------------------------------------------------


def tencent(service: str, version: str, secret: dict[str, Any], held: tuple[str, str, str | None]) -> Any:
    url = os.environ.get(f"TENCENTCLOUD_ENDPOINT_URL_{service.upper()}") or f"https://{service}.tencentcloudapi.com"
    host = url.split("://", 1)[1].split("/", 1)[0]

    def call(action: str, params: dict[str, Any]) -> dict[str, Any]:
        payload, now = json.dumps(params).encode(), int(time.time())
        date = datetime.fromtimestamp(now, tz=UTC).strftime("%Y-%m-%d")
        scope = f"{date}/{service}/tc3_request"
        canonical = f"POST\n/\n\ncontent-type:application/json\nhost:{host}\n\ncontent-type;host\n{sha256(payload)}"
        to_sign = f"TC3-HMAC-SHA256\n{now}\n{scope}\n{sha256(canonical.encode())}"
        key = ("TC3" + held[1]).encode()
        for part in (date, service, "tc3_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        headers = {
            "Content-Type": "application/json",
            "X-TC-Action": action,
            "X-TC-Version": version,
            "X-TC-Region": secret["region"],
            "X-TC-Timestamp": str(now),
            "Authorization": f"TC3-HMAC-SHA256 Credential={held[0]}/{scope}, SignedHeaders=content-type;host, "
            f"Signature={signature}",
            **({"X-TC-Token": held[2]} if held[2] else {}),
        }
        return dict(http().post(url + "/", content=payload, headers=headers).json()["Response"])

    return call


# -- Alibaba Cloud OpenAPI, RPC style (ACS3-HMAC-SHA256) ---------------------------------------------------


def iso_now() -> str:
    return datetime.now(tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def query(params: list[tuple[str, str]]) -> str:
    return "&".join(sorted(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in params))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def alibaba(product: str, version: str, secret: dict[str, Any], held: tuple[str, str, str | None]) -> Any:
    url = os.environ.get(f"ALIBABACLOUD_ENDPOINT_URL_{product.upper()}") or f"https://{product}.aliyuncs.com"
    host = url.split("://", 1)[1].split("/", 1)[0]

    def call(action: str, params: dict[str, str]) -> dict[str, Any]:
        canonical_query = query(list(params.items()))
        headers = {
            "host": host,
            "x-acs-action": action,
            "x-acs-content-sha256": sha256(b""),
            "x-acs-date": iso_now(),
            "x-acs-signature-nonce": uuid.uuid4().hex,
            "x-acs-version": version,
            **({"x-acs-security-token": held[2]} if held[2] else {}),
        }
        signed = ";".join(sorted(headers))
        lines = "".join(f"{name}:{headers[name]}\n" for name in sorted(headers))
        canonical = f"POST\n/\n{canonical_query}\n{lines}\n{signed}\n{sha256(b'')}"
        to_sign = f"ACS3-HMAC-SHA256\n{sha256(canonical.encode())}"
        signature = hmac.new(held[1].encode(), to_sign.encode(), hashlib.sha256).hexdigest()
        headers["Authorization"] = f"ACS3-HMAC-SHA256 Credential={held[0]},SignedHeaders={signed},Signature={signature}"
        return dict(http().post(f"{url}/?{canonical_query}", headers=headers).json())

    return call


# -- Huawei Cloud REST (SDK-HMAC-SHA256); a step's action is "METHOD /path/{template}" ----------------------------

JSON = {"Content-Type": "application/json"}


def huawei_request(
    held: tuple[str, str, str | None], method: str, url: str, path: str, params: dict[str, Any], project: str | None
) -> Any:
    host = url.split("://", 1)[1].split("/", 1)[0]
    query = "&".join(sorted(f"{quote(k, safe='~')}={quote(str(v), safe='~')}" for k, v in params.items()))
    query, payload = (query, b"") if method == "GET" else ("", json.dumps(params).encode())
    headers = {"content-type": "application/json", "host": host, "x-sdk-date": time.strftime("%Y%m%dT%H%M%SZ")}
    headers |= {"x-project-id": project} if project else {}
    headers |= {"x-security-token": held[2]} if held[2] else {}
    names = sorted(headers)
    lines = "".join(f"{name}:{headers[name]}\n" for name in names)
    canonical = f"{method}\n{path}/\n{query}\n{lines}\n{';'.join(names)}\n{sha256(payload)}"
    to_sign = f"SDK-HMAC-SHA256\n{headers['x-sdk-date']}\n{sha256(canonical.encode())}"
    signature = hmac.new(held[1].encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (
        f"SDK-HMAC-SHA256 Access={held[0]}, SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    target = url + path + (f"?{query}" if query else "")
    return http().request(method, target, content=payload or None, headers=headers).json()


def huawei(service: str, version: str, secret: dict[str, Any], held: tuple[str, str, str | None]) -> Any:
    url = (
        os.environ.get(f"HUAWEICLOUD_ENDPOINT_URL_{service.upper()}")
        or f"https://{service}.{secret['region']}.myhuaweicloud.com"
    )
    region = secret["region"]
    iam = os.environ.get("HUAWEICLOUD_ENDPOINT_URL_IAM") or f"https://iam.{region}.myhuaweicloud.com"
    project = secret.get("project_id") or kept(
        ("project", iam, region, held[0]),
        lambda: huawei_request(held, "GET", iam, "/v3/projects", {"name": region}, None)["projects"][0]["id"],
    )

    def call(action: str, params: dict[str, Any]) -> dict[str, Any]:
        method, template = action.split(" ", 1)
        return dict(
            huawei_request(held, method, url, template.format_map({**secret, "project_id": project}), params, project)
        )

    return call


CALLERS = {"tencentcloud": tencent, "alibabacloud": alibaba, "huaweicloud": huawei}


def recipe_of(secret: dict[str, Any]) -> dict[str, Any]:
    recipes: dict[str, Any] = kept(RECIPES, lambda: json.loads(os.environ[RECIPES]))
    return dict(recipes[secret["provider"]])


def filled(value: Any, names: dict[str, Any]) -> Any:
    """``value`` with every ``"$name"`` string replaced by ``names[name]``."""
    if isinstance(value, str) and value.startswith("$"):
        return names[value[1:]]
    if isinstance(value, dict):
        return {key: filled(item, names) for key, item in value.items()}
    if isinstance(value, list):
        return [filled(item, names) for item in value]
    return value


def field(answer: Any, path: str) -> Any:
    """A field of an answer: ``Status``, or a dotted path through objects and lists (``Accounts.Account.0.X``)."""
    for part in path.split("."):
        if isinstance(answer, list) and part.isdigit() and int(part) < len(answer):
            answer = answer[int(part)]
        elif isinstance(answer, dict):
            answer = answer.get(part)
        else:
            return None
    return answer


def reset(secret: dict[str, Any], held: tuple[str, str, str | None]) -> None:
    """The provider's reset and the reads that see it applied, as its recipe lists them."""
    recipe = recipe_of(secret)
    call = CALLERS[recipe["cloud"]](*recipe["api"], secret, held)
    names = {**recipe["defaults"], **secret}
    for step in recipe["steps"]:
        answer, wait = call(step["action"], filled(step["params"], names)), FIRST_POLL_S
        while step["until"] and field(answer, step["until"][0]) != step["until"][1]:
            time.sleep(wait)
            answer, wait = call(step["action"], filled(step["params"], names)), min(wait * 2, SETTLE_POLL_S)
        if step["keep"]:
            names[step["keep"]] = answer[step["keep"]]
