"""The AWS STS adapter on a boto3 that does not know GetWebIdentityToken (botocore before 1.41.0): a fatal error
that names the version needed, before any call."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import botocore.loaders
import botocore.session
import pytest

from crossrotate.aws import MINIMUM_BOTOCORE, WebIdentityTokens
from crossrotate.errors import FatalRotationError


def sts_without_the_operation(data_path: Path) -> object:
    """A real boto3 STS client whose service model is today's minus GetWebIdentityToken, as older botocores ship it."""
    model = botocore.loaders.Loader().load_service_model("sts", "service-2")
    del model["operations"]["GetWebIdentityToken"]
    target = data_path / "sts" / model["metadata"]["apiVersion"]
    target.mkdir(parents=True)
    (target / "service-2.json").write_text(json.dumps(model))
    core = botocore.session.Session()
    core.set_config_variable("data_path", str(data_path))
    return boto3.session.Session(botocore_session=core, region_name="us-east-1").client(
        "sts", aws_access_key_id="testing", aws_secret_access_key="testing"
    )


def test_an_older_botocore_is_a_fatal_error_naming_the_version_needed(tmp_path: Path) -> None:
    client = sts_without_the_operation(tmp_path)
    assert not hasattr(client, "get_web_identity_token")
    with pytest.raises(FatalRotationError) as raised:
        WebIdentityTokens(client=client).web_identity_token("crossrotate", 300)
    assert raised.value.code == "FederationUnsupported"
    assert MINIMUM_BOTOCORE in str(raised.value)
    assert botocore.__version__ in str(raised.value)
