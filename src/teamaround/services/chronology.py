"""The integrated multi-agency chronology of a child, as a practice review would want it."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from teamaround.adapters.db.tables import (
    AgencyRow,
    AlertRow,
    ChallengeEventRow,
    ChallengeRow,
    ContributionRow,
    LookupRow,
    MeetingRow,
    PlanRow,
    ProfessionalRow,
)
from teamaround.domain.case import CaseSnapshot
from teamaround.domain.vocab import AgencyKind, Purpose
from teamaround.services import audit
from teamaround.services.cases import access_case_by_child_id
from teamaround.services.context import UnitOfWork, load_actor
from teamaround.services.errors import present
from teamaround.services.history import contributions_about

COLUMNS = ("at", "kind", "agency", "title", "detail")


@dataclass(frozen=True, slots=True)
class ChronologyEntry:
    at: datetime
    kind: str  # plan, meeting, information, alert, challenge, lookup
    agency: str
    title: str
    detail: str


def chronology(uow: UnitOfWork, *, actor_id: str, child_id: str) -> list[ChronologyEntry]:
    refused = audit.refusals_recorded(
        uow, actor_id, "read-chronology", "child", child_id, Purpose.CHILD_PROTECTION
    )
    with refused, uow.transaction() as s:
        actor = load_actor(s, actor_id)
        now = uow.clock.now()
        case = access_case_by_child_id(s, actor, child_id, now)
        audit.action(s, now, actor, "read-chronology", "child", child_id, Purpose.CHILD_PROTECTION)
        return _entries(s, case, now, lead_view=actor.id == case.lead_social_worker)


def chronology_csv(uow: UnitOfWork, *, actor_id: str, child_id: str) -> str:
    """The same chronology as CSV; exporting is a disclosure and is audited as one."""
    entries = chronology(uow, actor_id=actor_id, child_id=child_id)
    with uow.transaction() as s:
        actor = load_actor(s, actor_id)
        audit.action(
            s,
            uow.clock.now(),
            actor,
            "export-chronology",
            "child",
            child_id,
            Purpose.CHILD_PROTECTION,
        )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for e in entries:
        writer.writerow([e.at.isoformat(), e.kind, e.agency, e.title, _safe_cell(e.detail)])
    return out.getvalue()


def _entries(
    s: Session, case: CaseSnapshot, now: datetime, *, lead_view: bool
) -> list[ChronologyEntry]:
    agencies = {a.id: a for a in s.scalars(sa.select(AgencyRow))}
    name = {k: a.name for k, a in agencies.items()}
    entries = _plans(s, case, name) + _meetings(s, case, name)
    entries += _information(s, case, now, agencies, lead_view)
    entries += _alerts(s, case) + _challenges(s, case, name) + _lookups(s, case, name)
    return sorted(entries, key=lambda e: e.at)


def _plans(s: Session, case: CaseSnapshot, name: dict[str, str]) -> list[ChronologyEntry]:
    entries = []
    for plan in s.scalars(sa.select(PlanRow).where(PlanRow.child_id == case.child_id)):
        agency = _agency_of(s, plan.lead_id, name)
        label = plan.plan + (f" ({plan.category})" if plan.category else "")
        entries.append(ChronologyEntry(plan.started, "plan", agency, f"{label} plan started", ""))
        if plan.ended is not None:
            entries.append(ChronologyEntry(plan.ended, "plan", agency, f"{label} plan ended", ""))
    return entries


def _meetings(s: Session, case: CaseSnapshot, name: dict[str, str]) -> list[ChronologyEntry]:
    rows = s.scalars(sa.select(MeetingRow).where(MeetingRow.child_id == case.child_id))
    return [
        ChronologyEntry(
            m.held_at,
            "meeting",
            _agency_of(s, m.recorded_by, name),
            f"{m.type} meeting",
            "; ".join(m.decisions),
        )
        for m in rows
    ]


def _information(
    s: Session, case: CaseSnapshot, now: datetime, agencies: dict[str, AgencyRow], lead_view: bool
) -> list[ChronologyEntry]:
    kinds = {k: AgencyKind(a.kind) for k, a in agencies.items()}
    entries = []
    for shared in contributions_about(s, case, kinds, until=now):
        row = present(s.get(ContributionRow, shared.contribution_id), "contribution")
        hidden = shared.restricted and not lead_view
        detail = "Restricted: ask the lead social worker." if hidden else row.summary
        facts = "" if hidden or not row.facts else f" [{', '.join(row.facts)}]"
        title = f"{row.kind.replace('-', ' ')}: {row.category or ''}".rstrip(": ")
        entries.append(
            ChronologyEntry(
                row.received_at, "information", agencies[row.agency_id].name, title, detail + facts
            )
        )
    return entries


def _alerts(s: Session, case: CaseSnapshot) -> list[ChronologyEntry]:
    rows = s.scalars(sa.select(AlertRow).where(AlertRow.about_id == case.child_id))
    return [
        ChronologyEntry(a.raised_at, "alert", "TeamAround", f"{a.kind} ({a.priority})", a.reason)
        for a in rows
    ]


def _challenges(s: Session, case: CaseSnapshot, name: dict[str, str]) -> list[ChronologyEntry]:
    rows = s.execute(
        sa.select(ChallengeEventRow, ChallengeRow)
        .join(ChallengeRow)
        .where(ChallengeRow.child_id == case.child_id)
    ).all()
    return [
        ChronologyEntry(
            e.at,
            "challenge",
            _agency_of(s, c.raised_by, name),
            f"challenge to {name.get(c.to_agency_id, c.to_agency_id)}: {e.event}",
            e.note,
        )
        for e, c in rows
    ]


def _lookups(s: Session, case: CaseSnapshot, name: dict[str, str]) -> list[ChronologyEntry]:
    people = {case.child_id} | {a.person_id for a in case.adults}
    rows = s.scalars(sa.select(LookupRow).where(LookupRow.person_id.in_(people)))
    return [
        ChronologyEntry(
            lookup.at,
            "lookup",
            _agency_of(s, lookup.professional_id, name),
            "flag lookup of "
            + ("the child" if lookup.person_id == case.child_id else "a linked adult"),
            "the child was disclosed" if lookup.disclosed_child else "the child was not disclosed",
        )
        for lookup in rows
    ]


def _agency_of(s: Session, professional_id: str | None, name: dict[str, str]) -> str:
    row = s.get(ProfessionalRow, professional_id) if professional_id else None
    return name.get(row.agency_id, row.agency_id) if row else "TeamAround"


def _safe_cell(text: str) -> str:
    """Stop a spreadsheet from running a cell as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
