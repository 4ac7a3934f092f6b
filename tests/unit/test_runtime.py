"""The Lambda wiring: regional endpoints, the API key cache, one HTTP client per process."""

from __future__ import annotations

from conftest import VirtualClock

from crossrotate.credentials import ApiKeyCache
from crossrotate.ports import SecretValue
from crossrotate.providers.http import close_shared_client, shared_client
from crossrotate.providers.tencentcloud.api import default_endpoint


class CountingStore:
    """A SecretStore holding one API key secret, counting reads."""

    def __init__(self) -> None:
        self.reads = 0
        self.value = '{"secret_id": "AKID1", "secret_key": "k1"}'

    def get_value(self, secret_id: str, *, stage: str | None = None, version_id: str | None = None) -> SecretValue:
        self.reads += 1
        return SecretValue("v", self.value, ("AWSCURRENT",))


def test_tencent_requests_go_to_the_regional_endpoint() -> None:
    assert default_endpoint("postgres", "ap-guangzhou") == "https://postgres.ap-guangzhou.tencentcloudapi.com"
    assert default_endpoint("postgres", "ap-shanghai-fsi") == "https://postgres.ap-shanghai-fsi.tencentcloudapi.com"


def test_api_keys_are_cached_for_warm_invocations_then_read_again(clock: VirtualClock) -> None:
    store, cache = CountingStore(), ApiKeyCache(ttl=300)
    first = cache.read(store, "key", clock)  # type: ignore[arg-type]
    clock.sleep(299)
    store.value = '{"secret_id": "AKID2", "secret_key": "k2"}'
    assert cache.read(store, "key", clock) == first  # type: ignore[arg-type]
    assert store.reads == 1
    clock.sleep(2)
    assert "AKID2" in (cache.read(store, "key", clock) or "")  # type: ignore[arg-type]
    assert store.reads == 2


def test_the_cache_never_shows_a_key_in_its_repr(clock: VirtualClock) -> None:
    cache = ApiKeyCache()
    cache.read(CountingStore(), "key", clock)  # type: ignore[arg-type]
    assert "k1" not in repr(cache)


def test_one_http_client_serves_every_invocation_of_a_process() -> None:
    client = shared_client()
    assert shared_client() is client
    assert client.timeout.connect == 3.0
    assert client.timeout.read == 8.0
    close_shared_client()
    assert shared_client() is not client
