"""The providers this version rotates: the one place that names them. Everything else reads a provider's
:class:`~crossrotate.provider.ProviderSpec` from here, by the ``provider`` of the secret at hand.

Adding a provider: write its package under ``providers/<cloud>/<service>/`` (its spec in ``__init__.py``, its
client in ``client.py``), then add one line below. The contract suite (``tests/contract``) runs over this table.
"""

from __future__ import annotations

from collections.abc import Mapping

from .errors import own
from .provider import ProviderSpec
from .providers.alibabacloud import polardb, rds
from .providers.tencentcloud import mysql, postgres
from .secret import DatabaseSecret, parse_secret

PROVIDERS: Mapping[str, ProviderSpec] = {
    spec.name: spec
    for spec in (
        postgres.SPEC,
        rds.SPEC,
        mysql.SPEC,
        polardb.SPEC,
    )
}


def spec_of(name: str) -> ProviderSpec:
    spec = PROVIDERS.get(name)
    if spec is None:
        raise own("UnknownProvider", f"{name[:40]!r} is not a provider this version rotates")
    return spec


def read_secret(secret_string: str | None, label: str) -> DatabaseSecret:
    """A SecretString parsed and validated by the rules of the provider it names."""
    return parse_secret(secret_string, label, PROVIDERS.get)
