"""Console logins: argon2 password hashes, a lockout after repeated failures, signed session
cookies carrying a CSRF token.

A failed login looks the same whether the user exists, is locked out, or typed a wrong
password: same message, and a hash is verified in every case so the time taken says
nothing either. Sessions are stateless signed cookies (itsdangerous); a new password raises
the user's `session_epoch`, which ends every older session.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer

from smsbot.config import AdminSettings
from smsbot.metrics.instruments import lockout
from smsbot.store import AdminUserStore

SESSION_COOKIE = "smsbot_admin"
LOGIN_COOKIE = "smsbot_admin_login"  # the login form's CSRF token, before any session
_HASHER = PasswordHasher()
MIN_PASSWORD = 12


def hash_password(password: str) -> str:
    """The argon2id hash of `password`; ValueError when it is too short to be one."""
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password needs at least {MIN_PASSWORD} characters")
    return _HASHER.hash(password)


@cache
def _decoy() -> str:
    """A hash nobody's password matches, verified when there is no real one to verify."""
    return _HASHER.hash(secrets.token_urlsafe(24))


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def authenticate(
    store: AdminUserStore, name: str, password: str, now: datetime, settings: AdminSettings
) -> int | None:
    """The user's session epoch when `name` and `password` are right and the account is
    not locked; None otherwise, whatever the reason."""
    user = await store.admin_user(name)
    usable = user is not None and (user.locked_until is None or user.locked_until <= now)
    stored = user.password_hash if user is not None and usable else _decoy()
    # argon2 takes tens of milliseconds of CPU: off the event loop.
    matches = await asyncio.to_thread(_verify, stored, password)
    if user is None or not usable:
        return None
    if not matches:
        locked = await store.admin_login_failed(
            name, now, max_failures=settings.max_failures, lockout_s=settings.lockout_s
        )
        if locked:
            lockout("admin")
        return None
    await store.admin_login_succeeded(name, now)
    return user.session_epoch


@dataclass(frozen=True)
class Session:
    user: str
    epoch: int
    csrf: str


class Sessions:
    """Signs and reads the session cookie and the login form's CSRF cookie."""

    def __init__(self, settings: AdminSettings) -> None:
        if settings.secret_key is None:
            raise ValueError("the console needs [admin] secret_key")
        key = settings.secret_key.reveal()
        self._session = URLSafeTimedSerializer(key, salt="smsbot.admin.session")
        self._login = URLSafeTimedSerializer(key, salt="smsbot.admin.login")
        self.ttl_s = settings.session_ttl_s

    def issue(self, user: str, epoch: int) -> tuple[str, Session]:
        session = Session(user, epoch, secrets.token_urlsafe(24))
        cookie = self._session.dumps({"u": user, "e": epoch, "c": session.csrf})
        return cookie, session

    def read(self, cookie: str | None) -> Session | None:
        """The session of a valid, unexpired cookie (its user still to be checked)."""
        if not cookie:
            return None
        try:
            data = self._session.loads(cookie, max_age=int(self.ttl_s))
        except BadSignature:  # SignatureExpired is one too
            return None
        if not isinstance(data, dict):
            return None
        user, epoch, csrf = data.get("u"), data.get("e"), data.get("c")
        if not isinstance(user, str) or not isinstance(epoch, int) or not isinstance(csrf, str):
            return None
        return Session(user, epoch, csrf)

    def login_token(self) -> tuple[str, str]:
        """(cookie, form token) for the login form."""
        token = secrets.token_urlsafe(24)
        return self._login.dumps(token), token

    def login_token_ok(self, cookie: str | None, token: str | None) -> bool:
        if not cookie or not token:
            return False
        try:
            expected = self._login.loads(cookie, max_age=3600)
        except BadSignature:
            return False
        return isinstance(expected, str) and hmac.compare_digest(expected, token)


def csrf_ok(session: Session, token: str | None) -> bool:
    """Whether a form's token is this session's (constant-time)."""
    return bool(token) and hmac.compare_digest(session.csrf, token or "")
