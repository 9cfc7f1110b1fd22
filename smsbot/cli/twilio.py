"""`smsbot connect-twilio NUMBER` and the Twilio part of `smsbot check --live`: the account's
numbers and where their incoming messages go, set through Twilio's REST API so that nobody
pastes webhook URLs by hand (issue 14)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from smsbot.cli.base import config_option, fail_cleanly, run, settings_for
from smsbot.config import Settings
from smsbot.errors import ConfigError

if TYPE_CHECKING:  # imported when a command runs: `smsbot --help` stays quick
    import httpx

    from smsbot.channels.twilio_numbers import IncomingNumber


def sms_webhook(settings: Settings) -> str:
    """The URL Twilio must POST incoming messages to: `server.public_url` + `/sms`."""
    public_url = settings.server.public_url
    if not public_url:
        raise ConfigError(
            "is required to tell Twilio where to send messages (your bot's public HTTPS "
            "URL, without a path)",
            source=settings.source,
            key="server.public_url",
        )
    return public_url + "/sms"


def _require_credentials(settings: Settings) -> None:
    twilio = settings.twilio
    for key, value in (("account_sid", twilio.account_sid), ("auth_token", twilio.auth_token)):
        if not value:
            raise ConfigError(
                f"is required to talk to Twilio's API (or set SMSBOT_TWILIO_{key.upper()})",
                source=settings.source,
                key=f"twilio.{key}",
            )


def _verdict(number: IncomingNumber, expected: str) -> str | None:
    """Why `number` does not deliver its messages to `expected`; None when it does."""
    if number.sms_application_sid:
        return f"a TwiML App ({number.sms_application_sid}) answers its messages instead"
    if not number.sms_url:
        return "no webhook is set"
    if number.sms_url != expected:
        return f"expected {expected}{_near_miss(number.sms_url, expected)}"
    if number.sms_method.upper() != "POST":
        return f"method {number.sms_method}, expected POST"
    return None


def _near_miss(url: str, expected: str) -> str:
    """A word on the usual slips: the path twice, the path missing, a trailing slash."""
    site = expected.removesuffix("/sms")
    if url.rstrip("/") == site:
        return " (the path /sms is missing)"
    if "/sms/sms" in url:
        return " (/sms twice: server.public_url is the site only)"
    if url == expected + "/":
        return " (no trailing slash: Twilio signs the exact URL)"
    return ""


async def live_report(settings: Settings, http: httpx.AsyncClient) -> int:
    """Print the account and each number's webhook next to the one it should be; the
    number of problems found (a sending number that is not the account's, or that does not
    deliver to the bot; no number delivering to the bot at all)."""
    from smsbot.channels.twilio_numbers import TwilioNumbers
    from smsbot.phones import WHATSAPP_PREFIX, strip_channel

    _require_credentials(settings)
    expected = sms_webhook(settings)
    api = TwilioNumbers(settings, http)
    account = await api.account()
    click.echo(
        f'twilio account {account.sid} ("{account.friendly_name}", '
        f"{account.type or '?'}, "
        f"{account.status or '?'}): credentials OK"
    )
    problems = 0
    if account.status and account.status != "active":
        click.echo(f"  FAILED: the account is {account.status}; it cannot send or receive")
        problems += 1
    numbers = await api.numbers()
    sender = settings.twilio.from_number or ""
    sms_sender = "" if sender.lower().startswith(WHATSAPP_PREFIX) else strip_channel(sender)
    pointing = 0
    for number in numbers:
        wrong = _verdict(number, expected)
        pointing += wrong is None
        shown = f"{number.sms_method} {number.sms_url}" if number.sms_url else "(none)"
        mark = (
            "OK" if wrong is None else f"{wrong}; run: smsbot connect-twilio {number.phone_number}"
        )
        click.echo(f"number {number.phone_number}: SMS webhook {shown}: {mark}")
        if wrong is not None and number.phone_number == sms_sender:
            problems += 1
    if not numbers:
        click.echo("numbers: none on this account (buy one in the Twilio Console)")
    if sms_sender and sms_sender not in {number.phone_number for number in numbers}:
        click.echo(f"  FAILED: twilio.from_number {sms_sender} is not a number of this account")
        problems += 1
    if not pointing and numbers and not sms_sender:
        click.echo(f"  FAILED: no number of this account delivers its messages to {expected}")
        problems += 1
    if settings.twilio.messaging_service_sid:
        click.echo(
            f"messaging service {settings.twilio.messaging_service_sid}: if its Integration "
            '(Twilio Console) is "Send a webhook", its Request URL must be '
            f"{expected} instead; \"Defer to sender's webhook\" uses the numbers' above"
        )
    click.echo(
        f"message status callbacks: smsbot asks for {settings.server.public_url}/twilio/status "
        "on every message it sends (nothing to set on the number)"
    )
    click.echo(
        "whatsapp: senders are not listed by this API; in the Twilio Console (sandbox or "
        f'sender settings) set "When a message comes in" to {expected}, HTTP POST'
    )
    return problems


@click.command("connect-twilio")
@click.argument("number")
@config_option
@click.option(
    "--replace-app",
    is_flag=True,
    help="Also detach a TwiML App that answers the number's messages today.",
)
@fail_cleanly
def connect_twilio(number: str, config: str | None, replace_app: bool) -> None:
    """Point NUMBER's incoming messages at this bot: set its "A message comes in" webhook to
    server.public_url + /sms, HTTP POST, through Twilio's REST API.

    NUMBER is one of the account's phone numbers (+14155550100, or national in
    bot.default_region). Running it again changes nothing. Delivery reports need no setting:
    smsbot asks for them on every message it sends.
    """
    import httpx

    from smsbot.channels.twilio_numbers import TwilioAccountError, TwilioNumbers
    from smsbot.config.readiness import require_ready
    from smsbot.phones import to_e164

    settings = settings_for(config)
    for warning in require_ready(settings):  # placeholders, misshapen SIDs: one line each
        click.echo(f"warning: {warning}", err=True)
    _require_credentials(settings)
    expected = sms_webhook(settings)
    phone = to_e164(number, settings.bot.default_region)
    if phone is None:
        raise click.BadParameter(f"{number!r} is not a phone number", param_hint="NUMBER")

    async def connect() -> None:
        async with httpx.AsyncClient() as http:
            api = TwilioNumbers(settings, http)
            found = await api.numbers(phone)
            if not found:
                others = ", ".join(n.phone_number for n in await api.numbers()) or "none"
                raise TwilioAccountError(
                    f"{phone} is not a number of Twilio account {settings.twilio.account_sid} "
                    f"(its numbers: {others})"
                )
            current = found[0]
            if not current.sms_capable:
                raise TwilioAccountError(f"{phone} cannot receive SMS (Twilio: sms capability off)")
            if _verdict(current, expected) is None:
                click.echo(f"{phone}: incoming messages already POST to {expected}; unchanged")
                return
            if current.sms_application_sid and not replace_app:
                raise TwilioAccountError(
                    f"{phone}: its messages are answered by TwiML App "
                    f"{current.sms_application_sid}, which would override the webhook; "
                    "run again with --replace-app to detach it"
                )
            updated = await api.point(current, expected)
            if updated.sms_url != expected:
                raise TwilioAccountError(
                    f"{phone}: Twilio kept the webhook {updated.sms_url or '(none)'}; "
                    f"set {expected} by hand (see README)"
                )
            was = current.sms_url or "(none)"
            click.echo(f"{phone}: incoming messages now POST to {expected} (was: {was})")

    run(connect())
