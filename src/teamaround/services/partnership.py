"""Settings a partnership chooses for itself, with the defaults the contract names."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.orm import Session

from teamaround.adapters.db.tables import PartnershipSettingRow
from teamaround.domain.vocab import Role
from teamaround.services.commands import Strict
from teamaround.services.context import UnitOfWork, load_actor


class Setting(StrEnum):
    URGENT_ACK_MINUTES = "urgent-ack-minutes"
    CHALLENGE_RESPONSE_WORKING_DAYS = "challenge-response-working-days"
    MATCH_LINK_PERCENT = "match-link-percent"
    """A described subject at or above this match probability is linked without review."""
    MATCH_REVIEW_PERCENT = "match-review-percent"
    """From this probability up to the link threshold, the SPOC confirms or rejects the match."""


DEFAULTS: dict[Setting, int] = {
    Setting.URGENT_ACK_MINUTES: 60,
    Setting.CHALLENGE_RESPONSE_WORKING_DAYS: 5,
    Setting.MATCH_LINK_PERCENT: 95,
    Setting.MATCH_REVIEW_PERCENT: 50,
}


def setting(s: Session, key: Setting) -> int:
    row = s.get(PartnershipSettingRow, str(key))
    return int(row.value) if row is not None else DEFAULTS[key]


RANGES: dict[Setting, tuple[int, int]] = {
    Setting.URGENT_ACK_MINUTES: (5, 24 * 60),
    Setting.CHALLENGE_RESPONSE_WORKING_DAYS: (1, 30),
    Setting.MATCH_LINK_PERCENT: (50, 100),
    Setting.MATCH_REVIEW_PERCENT: (1, 100),
}
MAY_CHANGE = frozenset({Role.TEAM_MANAGER})


class SettingChange(Strict):
    value: int


def list_settings(uow: UnitOfWork, *, actor_id: str) -> dict[str, int]:
    with uow.transaction() as s:
        load_actor(s, actor_id)
        return {str(key): setting(s, key) for key in Setting}
