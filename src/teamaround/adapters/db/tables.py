"""The one schema, for SQLite and PostgreSQL alike; Alembic migrations are made from it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Stores UTC and gives back aware datetimes, since SQLite keeps no time zone."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: sa.JSON,
        list[Any]: sa.JSON,
    }


def _fk(target: str, **kw: Any) -> Any:
    return mapped_column(sa.String(64), sa.ForeignKey(target), **kw)


def _inserted_after() -> Any:
    """A many-to-one that is never loaded (`lazy="raise"`), declared only so that one flush
    inserts the row it refers to first: a batch of shares flushes many kinds of row at once,
    and without it the unit of work orders kinds by name, not by foreign key."""
    return relationship(lazy="raise")


class AgencyRow(Base):
    __tablename__ = "agencies"
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(40))


class ProfessionalRow(Base):
    __tablename__ = "professionals"
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    agency_id: Mapped[str] = _fk("agencies.id", index=True)
    role: Mapped[str] = mapped_column(sa.String(40))
    name: Mapped[str] = mapped_column(sa.String(200))
    active: Mapped[bool] = mapped_column(default=True)


class ApiTokenRow(Base):
    """A bearer token (only its hash), with what it may do and until when."""

    __tablename__ = "api_tokens"
    token_sha256: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    professional_id: Mapped[str] = _fk("professionals.id", index=True)
    created_at: Mapped[datetime]
    scopes: Mapped[list[Any] | None]  # None: everything the professional may do
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class AddressRow(Base):
    __tablename__ = "addresses"
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    text: Mapped[str] = mapped_column(sa.String(400))


class PersonRow(Base):
    __tablename__ = "people"
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    given: Mapped[str] = mapped_column(sa.String(100))
    family: Mapped[str] = mapped_column(sa.String(100))
    dob: Mapped[date | None]
    sex: Mapped[str | None] = mapped_column(sa.String(10))
    nhs: Mapped[str | None] = mapped_column(sa.String(10), index=True)
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    address_id: Mapped[str | None] = _fk("addresses.id", index=True)
    school_id: Mapped[str | None] = _fk("agencies.id", index=True)
    created_at: Mapped[datetime]
    merged_into: Mapped[str | None] = _fk("people.id", index=True)
    """Set when this record was found to be another's duplicate: it stays, for the history,
    but is off the register (neither listed nor matched) and every row naming it moved."""
    version: Mapped[int] = mapped_column(default=1, server_default=sa.text("1"))
    """One more with every correction or merge: a correction made against an older version
    is refused, so two keepers correcting one record cannot undo each other (ADR 0009)."""


class AliasRow(Base):
    __tablename__ = "aliases"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    person_id: Mapped[str] = _fk("people.id", index=True)
    name: Mapped[str] = mapped_column(sa.String(200))


class PersonAddressRow(Base):
    """Where a person has lived: the current address has no `until`."""

    __tablename__ = "person_addresses"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    person_id: Mapped[str] = _fk("people.id", index=True)
    address_id: Mapped[str] = _fk("addresses.id", index=True)
    since: Mapped[datetime]
    until: Mapped[datetime | None]


class RelationshipRow(Base):
    __tablename__ = "relationships"
    __table_args__ = (sa.UniqueConstraint("child_id", "adult_id"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    child_id: Mapped[str] = _fk("people.id", index=True)
    adult_id: Mapped[str] = _fk("people.id", index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    lives_with: Mapped[bool] = mapped_column(default=False)
    contact: Mapped[str] = mapped_column(sa.String(20))
    risk: Mapped[str | None] = mapped_column(sa.Text)
    recorded_by: Mapped[str] = mapped_column(sa.String(64))  # a professional, or "system"
    updated_at: Mapped[datetime]


class ConditionRow(Base):
    __tablename__ = "conditions"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    person_id: Mapped[str] = _fk("people.id", index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    detail: Mapped[str] = mapped_column(sa.Text)
    until: Mapped[date | None]
    recorded_by: Mapped[str] = mapped_column(sa.String(64))  # a professional, or "system"
    recorded_at: Mapped[datetime]


class PlanRow(Base):
    __tablename__ = "plans"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    child_id: Mapped[str] = _fk("people.id", index=True)
    plan: Mapped[str] = mapped_column(sa.String(40))
    category: Mapped[str | None] = mapped_column(sa.String(40))
    lead_id: Mapped[str | None] = _fk("professionals.id")
    started: Mapped[datetime]
    ended: Mapped[datetime | None]


class CoreGroupMemberRow(Base):
    __tablename__ = "core_group_members"
    child_id: Mapped[str] = _fk("people.id", primary_key=True)
    professional_id: Mapped[str] = _fk("professionals.id", primary_key=True)
    since: Mapped[datetime]


class ContributionRow(Base):
    __tablename__ = "contributions"
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    agency_id: Mapped[str] = _fk("agencies.id", index=True)
    professional_id: Mapped[str] = _fk("professionals.id", index=True)
    received_at: Mapped[datetime]
    category: Mapped[str | None] = mapped_column(sa.String(40))
    summary: Mapped[str] = mapped_column(sa.Text)
    facts: Mapped[list[Any]]
    restriction: Mapped[str | None] = mapped_column(sa.String(200))
    meeting_date: Mapped[date | None]


class ContributionSubjectRow(Base):
    """A subject exactly as the agency described it, and the links the system made."""

    __tablename__ = "contribution_subjects"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    contribution_id: Mapped[str] = _fk("contributions.id", index=True)
    position: Mapped[int]
    role: Mapped[str] = mapped_column(sa.String(20))
    described: Mapped[dict[str, Any]]
    person_id: Mapped[str | None] = _fk("people.id", index=True)
    person_probability: Mapped[float | None]
    address_id: Mapped[str | None] = _fk("addresses.id", index=True)
    address_probability: Mapped[float | None]
    evidence: Mapped[dict[str, Any]]
    contribution: Mapped[ContributionRow] = _inserted_after()


class AlertRow(Base):
    __tablename__ = "alerts"
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40), index=True)
    about_id: Mapped[str] = _fk("people.id", index=True)
    concerning_id: Mapped[str | None] = mapped_column(sa.String(64))
    priority: Mapped[str] = mapped_column(sa.String(10))
    reason: Mapped[str] = mapped_column(sa.Text)
    recommendation: Mapped[str] = mapped_column(sa.Text)
    raised_at: Mapped[datetime]
    contribution_id: Mapped[str | None] = _fk("contributions.id", index=True)
    source_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    contribution: Mapped[ContributionRow | None] = _inserted_after()


class AlertRecipientRow(Base):
    __tablename__ = "alert_recipients"
    alert_id: Mapped[str] = _fk("alerts.id", primary_key=True)
    professional_id: Mapped[str] = _fk("professionals.id", primary_key=True)
    delivered_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    alert: Mapped[AlertRow] = _inserted_after()


class PromptRow(Base):
    __tablename__ = "prompts"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    child_id: Mapped[str] = _fk("people.id", index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    reason: Mapped[str] = mapped_column(sa.Text)
    recommendation: Mapped[str] = mapped_column(sa.Text)
    raised_at: Mapped[datetime]
    cleared_at: Mapped[datetime | None]


class MeetingRow(Base):
    __tablename__ = "meetings"
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    child_id: Mapped[str] = _fk("people.id", index=True)
    type: Mapped[str] = mapped_column(sa.String(40))
    held_at: Mapped[datetime]
    attendees: Mapped[list[Any]]
    decisions: Mapped[list[Any]]
    recorded_by: Mapped[str] = mapped_column(sa.String(64))  # a professional, or "system"


class ChallengeRow(Base):
    __tablename__ = "challenges"
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    child_id: Mapped[str] = _fk("people.id", index=True)
    raised_by: Mapped[str] = _fk("professionals.id")
    to_agency_id: Mapped[str] = _fk("agencies.id")
    nature: Mapped[str] = mapped_column(sa.Text)
    expected_outcome: Mapped[str] = mapped_column(sa.Text)
    respond_by: Mapped[date]
    stage: Mapped[int]
    status: Mapped[str] = mapped_column(sa.String(20))
    raised_at: Mapped[datetime]


class ChallengeResponseRow(Base):
    __tablename__ = "challenge_responses"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    challenge_id: Mapped[str] = _fk("challenges.id", index=True)
    professional_id: Mapped[str] = _fk("professionals.id")
    text: Mapped[str] = mapped_column(sa.Text)
    at: Mapped[datetime]


class AuditRow(Base):
    """Who saw or did what, when and why; never the content. Each entry hashes the last."""

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    actor_role: Mapped[str] = mapped_column(sa.String(40))
    actor_agency: Mapped[str] = mapped_column(sa.String(64))
    action: Mapped[str] = mapped_column(sa.String(60))
    record_type: Mapped[str] = mapped_column(sa.String(40))
    record_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    purpose: Mapped[str] = mapped_column(sa.String(60))
    outcome: Mapped[str] = mapped_column(sa.String(20))
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)


class ChallengeEventRow(Base):
    """Every step of a challenge's life: raised, responded, escalated, no response logged."""

    __tablename__ = "challenge_events"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    challenge_id: Mapped[str] = _fk("challenges.id", index=True)
    at: Mapped[datetime]
    event: Mapped[str] = mapped_column(sa.String(20))
    stage: Mapped[int]
    note: Mapped[str] = mapped_column(sa.Text)


class LookupRow(Base):
    """A flag lookup: who asked about whom, and what they were shown (never the content)."""

    __tablename__ = "lookups"
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    professional_id: Mapped[str] = _fk("professionals.id", index=True)
    at: Mapped[datetime]
    described: Mapped[dict[str, Any]]
    person_id: Mapped[str | None] = _fk("people.id", index=True)
    flagged: Mapped[bool]
    disclosed_child: Mapped[bool]


class PartnershipSettingRow(Base):
    """A setting the partnership has chosen (acknowledgement minutes, link thresholds...)."""

    __tablename__ = "partnership_settings"
    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(200))
    changed_by: Mapped[str] = mapped_column(sa.String(64))
    changed_at: Mapped[datetime]


class GlossaryTermRow(Base):
    """A term of art and its plain explanation; partnerships extend the shipped glossary."""

    __tablename__ = "glossary_terms"
    term: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    explanation: Mapped[str] = mapped_column(sa.Text)
    added_by: Mapped[str] = mapped_column(sa.String(64))
    added_at: Mapped[datetime]


class IdempotencyKeyRow(Base):
    """An acknowledged request: a retry with the same key gets the same answer."""

    __tablename__ = "idempotency_keys"
    professional_id: Mapped[str] = _fk("professionals.id", primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    request_sha256: Mapped[str] = mapped_column(sa.String(64))
    response: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class OutboxRow(Base):
    """A notification to deliver outside the inbox (email, webhook), at least once."""

    __tablename__ = "outbox"
    __table_args__ = (sa.UniqueConstraint("alert_id", "professional_id", "channel"),)
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    alert_id: Mapped[str] = _fk("alerts.id", index=True)
    professional_id: Mapped[str] = _fk("professionals.id")
    channel: Mapped[str] = mapped_column(sa.String(20))
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(400))
    alert: Mapped[AlertRow] = _inserted_after()


class AuditCheckpointRow(Base):
    """A signed statement of the chain's head, so that a cut-off tail is noticed."""

    __tablename__ = "audit_checkpoints"
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(sa.String(64))
    signature: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[datetime]


class CredentialRow(Base):
    """How a professional signs in: an Argon2 password hash and a TOTP secret."""

    __tablename__ = "credentials"
    professional_id: Mapped[str] = _fk("professionals.id", primary_key=True)
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    changed_at: Mapped[datetime]


class WebSessionRow(Base):
    """A signed-in browser session; ended when idle, too old, or the account changes."""

    __tablename__ = "web_sessions"
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)  # sha256 of the cookie
    professional_id: Mapped[str] = _fk("professionals.id", index=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class RegisterStateRow(Base):
    """One row: the number of the register's last change and a token every change rewrites,
    so a cached matcher sees it is stale (and, through the journal, how to catch up)."""

    __tablename__ = "register_state"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    token: Mapped[str] = mapped_column(sa.String(32))
    seq: Mapped[int] = mapped_column(sa.Integer, server_default=sa.text("0"))


class RegisterChangeRow(Base):
    """The journal of register changes, numbered without gaps in commit order (the number is
    taken under `register_state`'s row lock): which person or household changed, or left.
    Other processes replay it onto their matchers instead of rebuilding them (ADR 0003)."""

    __tablename__ = "register_changes"
    seq: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    token: Mapped[str] = mapped_column(sa.String(32))
    person_id: Mapped[str | None] = mapped_column(sa.String(64))
    address_id: Mapped[str | None] = mapped_column(sa.String(64))
    removed_id: Mapped[str | None] = mapped_column(sa.String(64))


class MatchReviewRow(Base):
    """A possible match between the review and link thresholds, and what became of it.

    The pair is a description (`described_key`, a digest of it standardised) and one register
    person or one household (`person_id` or `address_id`), so a decision on a pair also governs
    later descriptions alike. The description came from a contribution's subject or from a
    flag lookup (`subject_id` or `lookup_id`). An item leaves the queue when a SPOC decides it,
    or is withdrawn (`withdrawn_reason`) when it went stale: its description now links by
    itself, or its candidate left the register. `decided_at` is when it left the queue.
    """

    __tablename__ = "match_reviews"
    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    subject_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contribution_subjects.id"), index=True
    )
    contribution_id: Mapped[str | None] = _fk("contributions.id", index=True)
    lookup_id: Mapped[str | None] = _fk("lookups.id", index=True)
    person_id: Mapped[str | None] = _fk("people.id", index=True)
    address_id: Mapped[str | None] = _fk("addresses.id", index=True)
    described_key: Mapped[str] = mapped_column(sa.String(64), index=True)
    probability: Mapped[float]
    evidence: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(sa.String(20), index=True)
    created_at: Mapped[datetime]
    decided_by: Mapped[str | None] = _fk("professionals.id")
    decided_at: Mapped[datetime | None]
    withdrawn_reason: Mapped[str | None] = mapped_column(sa.String(40))


class SignInStateRow(Base):
    """Per account: failed sign-ins and lockout, a password step awaiting its code, the last
    TOTP step used (a code is good once)."""

    __tablename__ = "sign_in_state"
    professional_id: Mapped[str] = _fk("professionals.id", primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    pending_sha256: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    pending_at: Mapped[datetime | None]
    last_totp_step: Mapped[int | None] = mapped_column(sa.BigInteger)


class SignInIdentityRow(Base):
    """Who a professional is at the partnership's OpenID Connect provider (issuer, claim)."""

    __tablename__ = "sign_in_identities"
    issuer: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    subject: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    professional_id: Mapped[str] = _fk("professionals.id", index=True)
    linked_at: Mapped[datetime]
