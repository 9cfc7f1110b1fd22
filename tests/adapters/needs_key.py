"""An adapter that requires an api_key."""

from __future__ import annotations

import httpx

from smsbot.tracking import CarrierConfig
from tests.adapters.good import GoodAdapter


def create(config: CarrierConfig, http: httpx.AsyncClient) -> GoodAdapter:
    config.secret("api_key", env="SMSBOT_NEEDS_KEY_API_KEY")
    return GoodAdapter(config.name)
