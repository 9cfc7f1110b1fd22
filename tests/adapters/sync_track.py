"""An adapter whose track() is not async and whose name is wrong."""

from __future__ import annotations

import httpx

from smsbot.tracking import CarrierConfig


class SyncAdapter:
    name = "other"
    display_name = ""

    def track(self, numbers: list[str]) -> dict[str, object]:
        return {}


def create(config: CarrierConfig, http: httpx.AsyncClient) -> SyncAdapter:
    return SyncAdapter()
