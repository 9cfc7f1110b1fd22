"""The signature check against the twilio library's `RequestValidator` (the oracle), on a
fuzzed corpus of public URLs, paths, query strings, forms and signatures."""

from __future__ import annotations

from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from starlette.datastructures import FormData, UploadFile
from twilio.request_validator import RequestValidator

from smsbot.channels.signature import SignatureCheck

TOKEN = "fuzz-auth-token"

hosts = st.sampled_from(
    ["bot.example.com", "127.0.0.1", "shop.example.co.uk", "[::1]", "user:pw@bot.example.com"]
)
ports = st.sampled_from(["", ":443", ":80", ":8080", ":0", ":99999", ":abc", ":"])
prefixes = st.sampled_from(["", "/", "/bot", "/bot/", "/a;b"])
url_text = st.text(alphabet=st.characters(codec="utf-8", blacklist_characters="#"), max_size=12)
public_urls = st.builds(
    lambda scheme, host, port, prefix: f"{scheme}://{host}{port}{prefix}",
    st.sampled_from(["https", "http"]),
    hosts,
    ports,
    prefixes,
)
paths = st.sampled_from(["/sms", "/twilio/status", "/sms/", "//sms"])
queries = st.one_of(st.just(b""), url_text.map(lambda text: text.encode("utf-8")))
names = st.one_of(
    st.sampled_from(["Body", "From", "To", "MessageSid", "FromCity", "NumMedia"]),
    st.text(max_size=6),
)
values = st.text(alphabet=st.characters(blacklist_categories=()), max_size=20)
forms = st.lists(st.tuples(names, values), max_size=8)


def oracle(url: str, form: FormData, signature: str) -> bool:
    try:
        return bool(RequestValidator(TOKEN).validate(url, form, signature))
    except Exception:  # the old check failed closed on anything the library raised
        return False


def sign_any(url: str, form: FormData, port_reading: int) -> str:
    validator = RequestValidator(TOKEN)
    try:
        from urllib.parse import urlparse

        from twilio.request_validator import add_port, remove_port

        parsed = urlparse(url)
        signed = (remove_port(parsed), add_port(parsed), url)[port_reading]
        return str(validator.compute_signature(signed, form))
    except Exception:
        return "not-a-signature"


@given(
    public_urls,
    paths,
    queries,
    forms,
    st.sampled_from([0, 1, 2, 3]),
    st.text(max_size=30),
)
@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example("https://bot.example.com", "/sms", b"", [("Body", "1001")], 0, "")
@example("https://bot.example.com:443", "/sms", b"a=1&b", [("A", "x"), ("A", "x")], 1, "")
def test_the_check_agrees_with_the_library(
    public_url: str,
    path: str,
    query: bytes,
    pairs: list[tuple[str, str | UploadFile]],
    reading: int,
    junk: str,
) -> None:
    check = SignatureCheck(TOKEN, public_url)
    url = check.url_for(path, query)
    form = FormData(pairs)
    signature = junk if reading == 3 else sign_any(url, form, reading)
    expected = oracle(url, form, signature)
    event(f"valid: {expected}")
    assert check.valid(path, query, form, signature) == expected
    # A changed field never passes.
    if pairs and check.valid(path, query, form, signature):
        changed = FormData([*pairs[:-1], (pairs[-1][0], f"{pairs[-1][1]}x")])
        assert not check.valid(path, query, changed, signature)


def test_a_plain_mapping_and_a_repeated_field_sign_like_the_library() -> None:
    url = "https://bot.example.com/sms"
    form = FormData([("Body", "b"), ("Body", "a"), ("Body", "b"), ("From", "+1")])
    signature = str(RequestValidator(TOKEN).compute_signature(url, form))
    check = SignatureCheck(TOKEN, "https://bot.example.com")
    assert check.valid("/sms", b"", form, signature)
    assert check.valid("/sms", b"", {"From": "+1", "Body": "x"}, sign_plain(url))
    assert not check.valid("/sms", b"", form, signature + "=")
    assert not check.valid("/sms", b"", form, "é" * 28)


def sign_plain(url: str) -> str:
    return str(RequestValidator(TOKEN).compute_signature(url, {"From": "+1", "Body": "x"}))
