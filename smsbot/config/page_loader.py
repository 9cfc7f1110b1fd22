"""Reading `[links]`, `[page]` and `[email]` (issue 17): the tracking link, its page and the
e-mail channel. Called by `loader.settings_from_mapping`, like its own section readers."""

from __future__ import annotations

import re
from collections.abc import Mapping

from smsbot.config.links import FAQ_KEYS, LINK_MODES, LinkSettings, PageSettings
from smsbot.config.settings import EmailSettings
from smsbot.config.table import Table


def read_links(table: Table, env: Mapping[str, str]) -> LinkSettings:
    mode = table.get("mode", str, "never")
    if mode not in LINK_MODES:
        raise table.error("mode", f"must be one of {', '.join(LINK_MODES)}, not {mode!r}")
    public_url = table.url("public_url")
    return LinkSettings(
        mode=mode,
        public_url=public_url.rstrip("/") if public_url else None,
        valid_days=table.positive("valid_days", 30.0, high=3660.0),
    )


def read_page(table: Table, env: Mapping[str, str]) -> PageSettings:
    faq: dict[str, dict[str, str]] = {}
    for language, answers in table.mapping("faq").items():
        if not isinstance(answers, Mapping):
            raise table.error(f"faq.{language}", "must be a table of answers")
        for key, answer in answers.items():
            if key not in FAQ_KEYS or not isinstance(answer, str) or not answer.strip():
                raise table.error(
                    f"faq.{language}.{key}",
                    f"must be one of {', '.join(FAQ_KEYS)} with a non-empty answer",
                )
        faq[str(language).lower()] = dict(answers)
    origins = table.strings("json_origins", ())
    for origin in origins:
        if not re.fullmatch(r"https?://[^/\s]+", origin):
            raise table.error(
                "json_origins", f"must list origins like https://shop.example, not {origin!r}"
            )
    return PageSettings(
        json_origins=tuple(origins),
        sms_number=table.optional_str("sms_number"),
        rate_limit_per_minute=table.count("rate_limit_per_minute", 60, high=100_000),
        faq=faq,
    )


def read_email(table: Table, env: Mapping[str, str]) -> EmailSettings:
    host, sender = table.optional_str("host"), table.optional_str("from_address")
    if (host is None) != (sender is None):
        missing = "from_address" if sender is None else "host"
        raise table.error(
            missing, "is required with the other (e-mail needs a server and a sender)"
        )
    if sender is not None and "@" not in sender:
        raise table.error("from_address", f"must be an e-mail address, not {sender!r}")
    port = table.get("port", int, 587)
    if not 0 < port < 65536:
        raise table.error("port", f"must be a port number, not {port}")
    return EmailSettings(
        host=host,
        port=port,
        username=table.optional_str("username"),
        password=table.secret("password", env, "SMSBOT_EMAIL_PASSWORD"),
        from_address=sender,
        starttls=table.get("starttls", bool, True),
        ca_file=table.optional_str("ca_file"),
        timeout_s=table.positive("timeout_s", 10.0, high=300.0),
    )
