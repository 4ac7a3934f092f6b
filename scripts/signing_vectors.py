"""`make vectors`: signing test vectors produced by the official SDKs, for tests/unit/test_signing_vectors.py.

Each official client (Tencent's postgres and cdb, Alibaba's rds and polardb with V3 and RPC v1 signatures, Huawei's
rds with SDK-HMAC-SHA256, API key and temporary credentials) sends
real requests of the shapes this function sends, plus the awkward cases (non-ASCII values, a password with
``+&=*~`` and a space, an action with no parameters), to a capture server on loopback that answers success. What
the SDK put on the wire (method, query, headers, body, and the signature it computed) is written to
tests/vectors/signing.json with the SDK versions. The tests then recompute each signature with this function's
own signer, step by step, from the same inputs, and need no SDK. Rerun when an SDK is upgraded.
"""

from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parents[1]
OUT = ROOT / "tests" / "vectors" / "signing.json"
AWKWARD = "P+&=*~ x1Aé"
"""A password with every character that percent-encoding and form encoding treat differently, and a non-ASCII
one (the providers' rules refuse it, but the signature must not care)."""

captured: list[dict[str, Any]] = []


class Capture(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.do_POST()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        path, _, query = self.path.partition("?")
        captured.append(
            {
                "method": self.command,
                "path": path,
                "query": query,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body.decode("utf-8"),
            }
        )
        names = {k.lower() for k in self.headers}
        if "x-tc-action" in names:
            answer: dict[str, Any] = {"Response": {"RequestId": "r", "AsyncRequestId": "t"}}
        elif "x-sdk-date" in names:  # Huawei Cloud
            answer = {"resp": "successful"} if self.command == "POST" else {"users": [], "total_count": 0}
        else:
            answer = {"RequestId": "r"}
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def tencent_cases(endpoint: str) -> list[dict[str, Any]]:
    from tencentcloud.cdb.v20170320 import cdb_client
    from tencentcloud.cdb.v20170320 import models as cdb
    from tencentcloud.common import credential
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile
    from tencentcloud.postgres.v20170312 import models as pg
    from tencentcloud.postgres.v20170312 import postgres_client

    key = ("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE")
    profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=endpoint))
    cases = []

    def send(name: str, service: str, call: Any) -> None:
        call()
        request = captured.pop()
        cases.append({"name": name, "service": service, "secret_id": key[0], "secret_key": key[1], **request})

    postgres = postgres_client.PostgresClient(credential.Credential(*key), "ap-guangzhou", profile)
    reset = pg.ResetAccountPasswordRequest()
    reset.DBInstanceId, reset.UserName, reset.Password = "postgres-4wdeb0zv", "app_user", AWKWARD
    send("postgres ResetAccountPassword, an awkward password", "postgres", lambda: postgres.ResetAccountPassword(reset))
    listing = pg.DescribeAccountsRequest()
    listing.DBInstanceId, listing.Limit, listing.Offset = "postgres-4wdeb0zv", 100, 0
    send("postgres DescribeAccounts", "postgres", lambda: postgres.DescribeAccounts(listing))
    renamed = pg.ResetAccountPasswordRequest()
    renamed.DBInstanceId, renamed.UserName, renamed.Password = "postgres-4wdeb0zv", "用户", "Plain-Passw0rd"
    send("postgres ResetAccountPassword, a non-ASCII user", "postgres", lambda: postgres.ResetAccountPassword(renamed))

    mysql = cdb_client.CdbClient(credential.Credential(*key), "ap-guangzhou", profile)
    modify = cdb.ModifyAccountPasswordRequest()
    account = cdb.Account()
    account.User, account.Host = "app_user", "%"
    modify.InstanceId, modify.NewPassword, modify.Accounts = "cdb-c1nl9rpv", AWKWARD, [account]
    send("cdb ModifyAccountPassword, an awkward password", "cdb", lambda: mysql.ModifyAccountPassword(modify))
    poll = cdb.DescribeAsyncRequestInfoRequest()
    poll.AsyncRequestId = "t"
    send("cdb DescribeAsyncRequestInfo", "cdb", lambda: mysql.DescribeAsyncRequestInfo(poll))
    return cases


def alibaba_cases(endpoint: str) -> list[dict[str, Any]]:
    from alibabacloud_polardb20170801 import models as polardb
    from alibabacloud_polardb20170801.client import Client as PolarDb
    from alibabacloud_rds20140815 import models as rds
    from alibabacloud_rds20140815.client import Client as Rds
    from alibabacloud_tea_openapi import models as openapi

    key = ("LTAI5tExampleKeyId", "ExampleAccessKeySecret0123456789")
    cases = []
    for signature in ("v3", "v1"):
        config = openapi.Config(
            access_key_id=key[0], access_key_secret=key[1], endpoint=endpoint, protocol="http", region_id="cn-hangzhou"
        )
        if signature == "v1":
            config.signature_algorithm = "v2"  # the SDK's name for the RPC HMAC-SHA1 path

        def send(name: str, method: Any, request_model: Any, signature: str = signature) -> None:
            method(request_model)
            request = captured.pop()
            case = {"name": f"{name} ({signature})", "signature": signature, "access_key_secret": key[1], **request}
            cases.append(case)

        rds_client, polardb_client = Rds(config), PolarDb(config)
        reset = rds.ResetAccountPasswordRequest(
            dbinstance_id="rm-uf6wjk5xxxxxxx", account_name="app_user", account_password=AWKWARD
        )
        send("rds ResetAccountPassword, an awkward password", rds_client.reset_account_password, reset)
        listing = rds.DescribeAccountsRequest(dbinstance_id="rm-uf6wjk5xxxxxxx", account_name="用户")
        send("rds DescribeAccounts, a non-ASCII account", rds_client.describe_accounts, listing)
        send("rds DescribeRegions, no parameters", rds_client.describe_regions, rds.DescribeRegionsRequest())
        modify = polardb.ModifyAccountPasswordRequest(
            dbcluster_id="pc-xxxxxxxxxxxxxxx", account_name="app_user", new_account_password=AWKWARD
        )
        send("polardb ModifyAccountPassword, an awkward password", polardb_client.modify_account_password, modify)
    return cases


def huawei_cases(endpoint: str) -> list[dict[str, Any]]:
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkrds.v3 import RdsClient
    from huaweicloudsdkrds.v3 import model as rds

    key = ("HPUAEXAMPLEKEYID0123", "ExampleSecretKey0123456789abcdefghijklmn")
    project, instance = "0" * 31 + "a", "dsfae23fsfdsae3435in01"
    cases = []

    def client(token: str | None = None) -> Any:
        credentials = BasicCredentials(key[0], key[1], project)
        if token:
            credentials = credentials.with_security_token(token)
        return RdsClient.new_builder().with_credentials(credentials).with_endpoints([f"http://{endpoint}"]).build()

    def send(name: str, call: Any, token: str | None = None) -> None:
        call(client(token))
        request = captured.pop()
        cases.append({"name": name, "access_key": key[0], "secret_key": key[1], **request})

    reset = rds.SetDbUserPwdRequest(instance_id=instance, body=rds.DbUserPwdRequest(name="app_user", password=AWKWARD))
    send("rds SetDbUserPwd, an awkward password", lambda c: c.set_db_user_pwd(reset))
    send("rds SetDbUserPwd, temporary credentials", lambda c: c.set_db_user_pwd(reset), token="example-security-token")
    pg = rds.SetPostgresqlDbUserPwdRequest(
        instance_id=instance, body=rds.DbUserPwdRequest(name="用户", password="Plain-Passw0rd")
    )
    send("rds SetPostgresqlDbUserPwd, a non-ASCII user", lambda c: c.set_postgresql_db_user_pwd(pg))
    listing = rds.ListDbUsersRequest(instance_id=instance, page=1, limit=100)
    send("rds ListDbUsers, a query (GET)", lambda c: c.list_db_users(listing))
    return cases


def main() -> int:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Capture)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    endpoint = f"127.0.0.1:{server.server_port}"
    try:
        document = {
            "produced_by": {
                name: version(name)
                for name in (
                    "tencentcloud-sdk-python-common",
                    "tencentcloud-sdk-python-postgres",
                    "tencentcloud-sdk-python-cdb",
                    "alibabacloud-tea-openapi",
                    "alibabacloud-rds20140815",
                    "alibabacloud-polardb20170801",
                    "huaweicloudsdkcore",
                    "huaweicloudsdkrds",
                )
            },
            "tencentcloud": tencent_cases(endpoint),
            "alibabacloud": alibaba_cases(endpoint),
            "huaweicloud": huawei_cases(endpoint),
        }
    finally:
        server.shutdown()
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    count = sum(len(document[cloud]) for cloud in ("tencentcloud", "alibabacloud", "huaweicloud"))
    print(f"{count} vectors written to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
