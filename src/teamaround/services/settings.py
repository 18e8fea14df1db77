"""A team manager changes one of the partnership's settings, and what follows from it.

Kept apart from `partnership` (which only reads settings) because moving a match threshold
re-checks the SPOC's queue, and the queue's modules read the thresholds themselves.
"""

from __future__ import annotations

from teamaround.adapters.db.tables import PartnershipSettingRow
from teamaround.domain.vocab import AgencyKind, Purpose
from teamaround.services import audit
from teamaround.services.context import UnitOfWork, load_actor
from teamaround.services.errors import Invalid, NotFound
from teamaround.services.linking import thresholds
from teamaround.services.partnership import MAY_CHANGE, RANGES, Setting
from teamaround.services.review_items import recheck_thresholds
from teamaround.services.sharing import rerun_rules

THRESHOLDS = frozenset({Setting.MATCH_LINK_PERCENT, Setting.MATCH_REVIEW_PERCENT})


def do_change_setting(uow: UnitOfWork, *, actor_id: str, key: str, value: int) -> None:
    """A team manager in Children's Social Care sets one of the partnership's settings. A
    new match threshold applies to the queue at once: items it puts below the review
    threshold are withdrawn, items it puts at or above the link threshold link."""
    with uow.transaction() as s:
        actor = load_actor(s, actor_id)
        if actor.role not in MAY_CHANGE or actor.agency_kind != AgencyKind.CHILDRENS_SOCIAL_CARE:
            raise NotFound("setting")
        try:
            name = Setting(key)
        except ValueError as exc:
            raise NotFound("setting") from exc
        low, high = RANGES[name]
        if not low <= value <= high:
            raise Invalid("value", f"{name} must be from {low} to {high}")
        now = uow.clock.now()
        row = s.get(PartnershipSettingRow, str(name))
        if row is None:
            row = PartnershipSettingRow(key=str(name))
            s.add(row)
        row.value = str(value)
        row.changed_by = actor.id
        row.changed_at = now
        s.flush()
        audit.action(s, now, actor, "change-setting", "setting", str(name),
                     Purpose.ADMINISTRATION)  # fmt: skip
        if name in THRESHOLDS:
            floor = thresholds(s).review
            recheck_thresholds(s, review_floor=floor, now=now, actor=actor, rerun=rerun_rules)
