"""One notice as an e-mail: a plain-text part and a dark-mode-safe HTML part, the order's
link, the micro-FAQ, and one-click unsubscribe headers."""

from __future__ import annotations

from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from jinja2 import Environment, PackageLoader, select_autoescape

from smsbot.wording.page import page_say

_ENV = Environment(
    loader=PackageLoader("smsbot.mail", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    auto_reload=False,
    trim_blocks=True,
    lstrip_blocks=True,
)


def compose(
    *,
    sender: str,
    to: str,
    order_number: str,
    text: str,
    language: str,
    brand: str,
    url: str,
    unsubscribe_url: str,
    faq: Sequence[tuple[str, str]],
) -> EmailMessage:
    """The e-mail of one notice `text` about `order_number`, in `language`."""

    def say(key: str, **fields: object) -> str:
        return page_say(language, key, **fields)

    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = say("email_subject", order=order_number)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip("> ") or None)
    # RFC 2369 and RFC 8058: mail apps show an unsubscribe button that POSTs to the URL.
    message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    lines = [text, "", f"{say('email_link')}: {url}", "", say("faq")]
    for question, answer in faq:
        lines += ["", question, answer]
    lines += ["", say("email_why", brand=brand), f"{say('email_unsubscribe')}: {unsubscribe_url}"]
    message.set_content("\n".join(lines) + "\n")
    html = _ENV.get_template("notice.html").render(
        lang=language,
        subject=message["Subject"],
        text=text,
        url=url,
        link=say("email_link"),
        faq_title=say("faq"),
        faq=faq,
        why=say("email_why", brand=brand),
        unsubscribe=say("email_unsubscribe"),
        unsubscribe_url=unsubscribe_url,
    )
    message.add_alternative(html, subtype="html")
    return message
