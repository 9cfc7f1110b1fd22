"""The console's users: argon2 hashes (made by `smsbot.admin`), failed logins and lockouts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class AdminUser:
    name: str
    password_hash: str
    failures: int
    locked_until: datetime | None
    #: Raised by a password change: older session cookies stop working.
    session_epoch: int


class AdminUserStore(Protocol):
    """Console users by name."""

    async def save_admin_user(self, name: str, password_hash: str, at: datetime) -> bool:
        """Create the user, or set a new password (and end its sessions); True if new."""
        ...

    async def admin_user(self, name: str) -> AdminUser | None:
        """The user with this name, or None."""
        ...

    async def admin_login_failed(
        self, name: str, at: datetime, *, max_failures: int, lockout_s: float
    ) -> bool:
        """Count a failed login of an existing user; True if it locks the account now."""
        ...

    async def admin_login_succeeded(self, name: str, at: datetime) -> None:
        """Reset the user's failure count."""
        ...
