"""The providers this version rotates: the one place that names them. Everything else reads a provider's
:class:`~crossrotate.provider.ProviderSpec` from here, by the ``provider`` of the secret at hand.

Adding a provider: write its package under ``providers/<cloud>/<service>/`` (its spec, ``SPEC``, in ``__init__.py``,
its client in ``client.py``), then add one line below. The contract suite (``tests/contract``) runs over this table.

A provider's package is imported when its spec is first asked for: a step reads the spec of its own secret's
provider only, so a fresh sandbox does not import the others.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping

from .errors import own
from .provider import ProviderSpec
from .secret import DatabaseSecret, parse_secret


class Registry(Mapping[str, ProviderSpec]):
    """Provider name → spec, each spec imported from its package (``providers.<cloud>.<service>``) when first read."""

    def __init__(self, packages: Mapping[str, str]) -> None:
        self._packages = dict(packages)
        self._specs: dict[str, ProviderSpec] = {}

    def __getitem__(self, name: str) -> ProviderSpec:
        spec = self._specs.get(name)
        if spec is None:
            package = importlib.import_module(f"{__package__}.providers.{self._packages[name]}")
            spec = self._specs[name] = package.SPEC
        return spec

    def __iter__(self) -> Iterator[str]:
        return iter(self._packages)

    def __len__(self) -> int:
        return len(self._packages)

    def package_of(self, name: str) -> str:
        """``<cloud>.<service>``: where the provider's package is below ``providers`` (and its stand-in below
        ``localcloud``)."""
        return self._packages[name]


PROVIDERS = Registry(
    {
        "tencentcloud-postgres": "tencentcloud.postgres",
        "alibabacloud-rds": "alibabacloud.rds",
        "tencentcloud-mysql": "tencentcloud.mysql",
        "alibabacloud-polardb": "alibabacloud.polardb",
        "tencentcloud-tdsqlc": "tencentcloud.tdsqlc",
        "tencentcloud-mariadb": "tencentcloud.mariadb",
        "alibabacloud-mongodb": "alibabacloud.mongodb",
        "tencentcloud-mongodb": "tencentcloud.mongodb",
        "tencentcloud-sqlserver": "tencentcloud.sqlserver",
        "tencentcloud-redis": "tencentcloud.redis",
        "alibabacloud-redis": "alibabacloud.redis",
        "huaweicloud-rds": "huaweicloud.rds",
    }
)


def spec_of(name: str) -> ProviderSpec:
    spec = PROVIDERS.get(name)
    if spec is None:
        raise own("UnknownProvider", f"{name[:40]!r} is not a provider this version rotates")
    return spec


def read_secret(secret_string: str | None, label: str) -> DatabaseSecret:
    """A SecretString parsed and validated by the rules of the provider it names."""
    return parse_secret(secret_string, label, PROVIDERS.get)
