"""Meetings about a child, and the core group that conferences set."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Session

from teamaround.adapters.db.tables import CoreGroupMemberRow, MeetingRow, ProfessionalRow
from teamaround.domain.vocab import CONFERENCES, Purpose
from teamaround.services import audit
from teamaround.services.cases import access_case_by_child_id
from teamaround.services.commands import CoreGroupChange, MeetingCreate
from teamaround.services.context import UnitOfWork, load_actor
from teamaround.services.errors import Invalid
from teamaround.services.prompts import refresh_prompts


def do_hold_meeting(uow: UnitOfWork, *, actor_id: str, meeting: MeetingCreate) -> str:
    """Record a meeting; a conference that names a core group sets its membership."""
    with uow.transaction() as s:
        actor = load_actor(s, actor_id)
        now = uow.clock.now()
        access_case_by_child_id(s, actor, meeting.child, now)
        _professionals_exist(s, "attendees", meeting.attendees)
        if meeting.core_group is not None:
            if meeting.type not in CONFERENCES:
                raise Invalid("core_group", "only a conference (icpc, rcpc) sets the core group")
            _professionals_exist(s, "core_group", meeting.core_group)
        row = MeetingRow(
            id=uuid.uuid4().hex,
            child_id=meeting.child,
            type=meeting.type,
            held_at=now,
            attendees=list(meeting.attendees),
            decisions=list(meeting.decisions),
            recorded_by=actor.id,
        )
        s.add(row)
        if meeting.core_group is not None:
            _set_core_group(s, meeting.child, set(meeting.core_group), uow)
        s.flush()
        audit.action(
            s,
            now,
            actor,
            f"hold-meeting:{meeting.type}",
            "meeting",
            row.id,
            Purpose.CHILD_PROTECTION,
        )
        return row.id


def do_change_core_group(uow: UnitOfWork, *, actor_id: str, change: CoreGroupChange) -> None:
    with uow.transaction() as s:
        actor = load_actor(s, actor_id)
        now = uow.clock.now()
        access_case_by_child_id(s, actor, change.child, now)
        _professionals_exist(s, "add", change.add)
        current = set(
            s.scalars(
                sa.select(CoreGroupMemberRow.professional_id).where(
                    CoreGroupMemberRow.child_id == change.child
                )
            )
        )
        unknown = set(change.remove) - current
        if unknown:
            raise Invalid("remove", f"not in the core group: {', '.join(sorted(unknown))}")
        _set_core_group(s, change.child, (current | set(change.add)) - set(change.remove), uow)
        refresh_prompts(s, [change.child], now)
        audit.action(
            s, now, actor, "change-core-group", "child", change.child, Purpose.CHILD_PROTECTION
        )


def _set_core_group(s: Session, child_id: str, members: set[str], uow: UnitOfWork) -> None:
    existing = {
        row.professional_id: row
        for row in s.scalars(
            sa.select(CoreGroupMemberRow).where(CoreGroupMemberRow.child_id == child_id)
        )
    }
    for gone in set(existing) - members:
        s.delete(existing[gone])
    for new in sorted(members - set(existing)):
        s.add(CoreGroupMemberRow(child_id=child_id, professional_id=new, since=uow.clock.now()))
    s.flush()


def _professionals_exist(s: Session, field: str, ids: list[str]) -> None:
    known = set(s.scalars(sa.select(ProfessionalRow.id).where(ProfessionalRow.id.in_(ids))))
    missing = sorted(set(ids) - known)
    if missing:
        raise Invalid(field, f"no professional with id {', '.join(missing)}")
