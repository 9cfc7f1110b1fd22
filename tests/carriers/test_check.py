"""`check()` on the OAuth carriers: one token fetch proves the credentials, a refusal raises."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from carriers import fedex, ups, usps
from smsbot.errors import CarrierAuthError
from smsbot.tracking import CarrierConfig, CheckableAdapter

FIXTURES = Path(__file__).parent / "fixtures"
TOKEN_PATHS = {
    "ups": "/security/v1/oauth/token",
    "fedex": "/oauth/token",
    "usps": "/oauth2/v3/token",
}
MODULES = {"ups": ups, "fedex": fedex, "usps": usps}


def config(name: str) -> CarrierConfig:
    values = {"client_id": "id", "client_secret": "s3cret", "base_url": "https://carrier.test"}
    return CarrierConfig(name, values, environ={})


@pytest.mark.parametrize("name", sorted(MODULES))
async def test_check_fetches_one_token(name: str) -> None:
    paths: list[str] = []
    token = json.loads((FIXTURES / name / "token.json").read_text(encoding="utf-8"))

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        return httpx.Response(200, json=token)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        adapter = MODULES[name].create(config(name), http)
        assert isinstance(adapter, CheckableAdapter)
        assert "credentials accepted" in await adapter.check()
        await adapter.check()
    assert paths == [TOKEN_PATHS[name]]


@pytest.mark.parametrize("name", sorted(MODULES))
async def test_check_reports_refused_credentials(name: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": "invalid_client"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        adapter = MODULES[name].create(config(name), http)
        assert isinstance(adapter, CheckableAdapter)
        with pytest.raises(CarrierAuthError) as caught:
            await adapter.check()
    assert "s3cret" not in str(caught.value)
