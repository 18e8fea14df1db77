"""Settings a partnership chooses for itself, with the defaults the contract names."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.orm import Session

from teamaround.adapters.db.tables import PartnershipSettingRow


class Setting(StrEnum):
    URGENT_ACK_MINUTES = "urgent-ack-minutes"
    CHALLENGE_RESPONSE_WORKING_DAYS = "challenge-response-working-days"


DEFAULTS: dict[Setting, int] = {
    Setting.URGENT_ACK_MINUTES: 60,
    Setting.CHALLENGE_RESPONSE_WORKING_DAYS: 5,
}


def setting(s: Session, key: Setting) -> int:
    row = s.get(PartnershipSettingRow, str(key))
    return int(row.value) if row is not None else DEFAULTS[key]
