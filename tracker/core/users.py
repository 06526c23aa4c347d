"""Accounts: clinic leads, clinicians and patients; one-time links."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import Choice, TimestampMixin
from tracker.extensions import db

if TYPE_CHECKING:  # names for the annotations; the mapper resolves them by name
    from tracker.core.clinic import Clinic

class Role(StrEnum):
    LEAD = "lead"
    CLINICIAN = "clinician"
    PATIENT = "patient"


class LinkPurpose(StrEnum):
    INVITE = "invite"
    RESET = "reset"


LEAD, CLINICIAN, PATIENT = Role.LEAD, Role.CLINICIAN, Role.PATIENT
ROLES = tuple(Role)
ROLE_LABELS = {LEAD: "Clinic lead", CLINICIAN: "Clinician", PATIENT: "Patient"}


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(200))
    phone: Mapped[str | None] = mapped_column(sa.String(40))  # staff: e.g. on the REMS form
    role: Mapped[str] = mapped_column(Choice(Role, name="role"))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    deactivated_at: Mapped[datetime | None]
    # why the lead deactivated the account (left the clinic, extended leave...): not clinical
    deactivation_reason: Mapped[str | None] = mapped_column(sa.String(300))
    # Failed sign-ins since the owner last signed in: the notice they get (no lockout).
    failed_logins: Mapped[int] = mapped_column(default=0)
    last_login_at: Mapped[datetime | None]
    # Bumped on sign-out, "sign out everywhere", password change or deactivation: every cookie
    # minted before is void (tracker/auth/loader.py).
    session_epoch: Mapped[int] = mapped_column(default=0)
    # Two-factor sign-in (TOTP, RFC 6238): the shared secret (base32), set at enrolment and
    # in force once confirmed with a first code; the last time step accepted (no replays).
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_confirmed_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)

    clinic: Mapped[Clinic] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (sa.CheckConstraint("email = lower(email)", name="email_lowercase"),)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_epoch}"

    @property
    def has_second_factor(self) -> bool:
        return self.totp_secret is not None and self.totp_confirmed_at is not None

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class OneTimeLink(db.Model):
    """A link to set a password: a patient's invitation, a new clinician, a reset.

    Only a hash of the token is stored; the token itself is shown once to whoever made it.
    """

    __tablename__ = "one_time_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    purpose: Mapped[str] = mapped_column(Choice(LinkPurpose, name="link_purpose"))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class RecoveryCode(db.Model):
    """A single-use code that stands in for the authenticator app. Only its hash is stored."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    __table_args__ = (sa.UniqueConstraint("user_id", "code_hash"),)
