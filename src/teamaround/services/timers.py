"""Timers: what must happen when time passes and nobody acted.

Run by the service's scheduler every minute and by replay before each step, so a
scenario sees exactly what a live partnership would have seen by then.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from teamaround.adapters.db.tables import (
    AlertRecipientRow,
    AlertRow,
    ChallengeRow,
    MeetingRow,
    PersonRow,
    PlanRow,
    ProfessionalRow,
)
from teamaround.domain.sharing import AlertDraft
from teamaround.domain.vocab import (
    AlertKind,
    ChallengeStatus,
    MeetingType,
    PersonKind,
    PlanKind,
    Priority,
    Role,
)
from teamaround.rules import timescales
from teamaround.services.alerting import raise_alerts
from teamaround.services.cases import load_case
from teamaround.services.challenges import STAGES, log_event
from teamaround.services.context import SYSTEM, UnitOfWork
from teamaround.services.on_register import ON_REGISTER
from teamaround.services.partnership import Setting, setting

ESCALATION = "Recommendation 13: professional challenge with timescales and escalation"
ACKNOWLEDGEMENT = "Urgent alerts are acknowledged within the partnership's time, or escalated"


def do_run_timers(uow: UnitOfWork) -> list[str]:
    """Fire every timer that is due; each fires once. Returns the ids of alerts raised."""
    with uow.transaction() as s:
        now = uow.clock.now()
        raised = _unacknowledged_alerts(s, now)
        raised += _overdue_challenges(s, now)
        raised += _missed_timescales(s, now)
        return raised


def _unacknowledged_alerts(s: Session, now: datetime) -> list[str]:
    minutes = setting(s, Setting.URGENT_ACK_MINUTES)
    escalated = sa.select(AlertRow.source_id).where(
        AlertRow.kind == AlertKind.UNACKNOWLEDGED_ALERT, AlertRow.source_id.is_not(None)
    )
    acknowledged = sa.select(AlertRecipientRow.alert_id).where(
        AlertRecipientRow.acknowledged_at.is_not(None)
    )
    due = s.scalars(
        sa.select(AlertRow).where(
            AlertRow.priority == Priority.URGENT,
            AlertRow.kind != AlertKind.UNACKNOWLEDGED_ALERT,
            AlertRow.raised_at <= now - timedelta(minutes=minutes),
            AlertRow.id.not_in(escalated),
            AlertRow.id.not_in(acknowledged),
        )
    ).all()
    raised = []
    for alert in due:
        case = load_case(s, alert.about_id, now)
        draft = AlertDraft(
            kind=AlertKind.UNACKNOWLEDGED_ALERT,
            about=alert.about_id,
            recipients=case.team_managers,
            priority=Priority.URGENT,
            reason=(
                f"An urgent {alert.kind} alert raised at "
                f"{alert.raised_at.astimezone(timescales.LONDON):%H:%M on %d %b %Y} "
                f"has not been acknowledged by anyone within {minutes} minutes."
            ),
            recommendation=ACKNOWLEDGEMENT,
        )
        raised += raise_alerts(s, drafts=[draft], now=now, actor=SYSTEM, source_id=alert.id)
    return raised


def _overdue_challenges(s: Session, now: datetime) -> list[str]:
    days = setting(s, Setting.CHALLENGE_RESPONSE_WORKING_DAYS)
    waiting = s.scalars(
        sa.select(ChallengeRow).where(
            ChallengeRow.status.in_([ChallengeStatus.OPEN, ChallengeStatus.ESCALATED])
        )
    ).all()
    raised = []
    for row in waiting:
        if not timescales.is_past(row.respond_by, now):
            continue
        log_event(s, row, now, "no-response", f"no response by {row.respond_by:%d %b %Y}")
        if row.stage >= max(STAGES):
            continue
        row.stage += 1
        row.status = ChallengeStatus.ESCALATED
        row.respond_by = timescales.add_working_days(timescales.local_day(now), days)
        log_event(s, row, now, "escalated", f"to stage {row.stage} ({STAGES[row.stage]})")
        draft = AlertDraft(
            kind=AlertKind.CHALLENGE_OVERDUE,
            about=row.child_id,
            recipients=_challenge_managers(s, row),
            priority=Priority.HIGH,
            reason=(
                f"A professional challenge had no response by its date. It is now at stage "
                f"{row.stage} ({STAGES[row.stage]}); please respond by {row.respond_by:%d %b %Y}."
            ),
            recommendation=ESCALATION,
        )
        raised += raise_alerts(s, drafts=[draft], now=now, actor=SYSTEM, source_id=row.id)
    return raised


def _challenge_managers(s: Session, row: ChallengeRow) -> frozenset[str]:
    """The managers of the challenged agency and of the challenger, and the challenger."""
    raiser = s.get(ProfessionalRow, row.raised_by)
    agencies = {row.to_agency_id} | ({raiser.agency_id} if raiser else set())
    managers = s.scalars(
        sa.select(ProfessionalRow.id).where(
            ProfessionalRow.agency_id.in_(agencies),
            ProfessionalRow.role == Role.TEAM_MANAGER,
            ProfessionalRow.active.is_(True),
        )
    )
    return frozenset(managers) | {row.raised_by}


def _missed_timescales(s: Session, now: datetime) -> list[str]:
    raised: list[str] = []
    children = s.scalars(
        sa.select(PersonRow.id)
        .join(PlanRow, PlanRow.child_id == PersonRow.id)
        .where(
            PersonRow.kind == PersonKind.CHILD,
            ON_REGISTER,
            sa.or_(PlanRow.ended.is_(None), PlanRow.ended > now),
        )
        .distinct()
    ).all()
    for child_id in children:
        case = load_case(s, child_id, now)
        meetings = [
            timescales.MeetingFact(m.id, MeetingType(m.type), m.held_at, tuple(m.decisions))
            for m in s.scalars(
                sa.select(MeetingRow)
                .where(MeetingRow.child_id == child_id)
                .order_by(MeetingRow.held_at)
            )
        ]
        missed = timescales.overdue(
            meetings,
            protection_plan_open=PlanKind.CHILD_PROTECTION in case.open_plans,
            now=now,
        )
        for item in missed:
            key = f"timescale:{item.key}"
            if s.scalar(sa.select(AlertRow.id).where(AlertRow.source_id == key)):
                continue
            lead = {case.lead_social_worker} if case.lead_social_worker else set()
            draft = AlertDraft(
                kind=AlertKind.TIMESCALE_OVERDUE,
                about=child_id,
                recipients=frozenset(lead | case.team_managers),
                priority=Priority.HIGH,
                reason=f"Missed: {item.what} (due by {item.due:%d %B %Y}).",
                recommendation=timescales.RECOMMENDATION,
            )
            raised += raise_alerts(s, drafts=[draft], now=now, actor=SYSTEM, source_id=key)
    return raised
