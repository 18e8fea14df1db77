"""Children's Social Care's register: agencies, professionals, people, relationships, plans."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from teamaround.adapters.db.tables import (
    AddressRow,
    AgencyRow,
    AliasRow,
    ApiTokenRow,
    Base,
    ConditionRow,
    ContributionSubjectRow,
    MatchReviewRow,
    PersonAddressRow,
    PersonRow,
    PlanRow,
    ProfessionalRow,
    RelationshipRow,
)
from teamaround.domain.vocab import AgencyKind, Contact, PersonKind, Purpose, Role
from teamaround.services import audit
from teamaround.services.commands import (
    AddressCreate,
    AgencyCreate,
    ConditionsSet,
    PeopleMerge,
    PersonCreate,
    PersonUpdate,
    PlanEnd,
    PlanHistory,
    PlanStart,
    ProfessionalCreate,
    RelationshipCreate,
)
from teamaround.services.context import SYSTEM, Actor, UnitOfWork, load_actor
from teamaround.services.errors import Conflict, Invalid, NotFound
from teamaround.services.linking import register_changed
from teamaround.services.merging import Fold, fold
from teamaround.services.on_register import person_on_register
from teamaround.services.prompts import children_around, refresh_prompts
from teamaround.services.review_items import Withdrawal, reevaluate, relink, withdraw_reviews_of
from teamaround.services.sharing import rerun_rules

_Row = TypeVar("_Row")

REGISTER_KEEPERS = frozenset({AgencyKind.CHILDRENS_SOCIAL_CARE})
CONDITION_KEEPERS = frozenset(
    {AgencyKind.CHILDRENS_SOCIAL_CARE, AgencyKind.PROBATION, AgencyKind.POLICE}
)


@dataclass(frozen=True, slots=True)
class RegisterRights:
    """What the acting professional may record: the register itself, legal conditions."""

    keeps_register: bool
    records_conditions: bool


def register_rights(uow: UnitOfWork, *, actor_id: str) -> RegisterRights:
    """Which register forms a professional is offered; NotFound for anyone offered none.

    Reads no case information (only the actor's own agency), so it is not audited; every
    `do_*` below still refuses anyone without the right.
    """
    with uow.transaction() as s:
        actor = load_actor(s, actor_id)
        rights = RegisterRights(
            keeps_register=actor is SYSTEM or actor.agency_kind in REGISTER_KEEPERS,
            records_conditions=actor is SYSTEM or actor.agency_kind in CONDITION_KEEPERS,
        )
    if not (rights.keeps_register or rights.records_conditions):
        raise NotFound("register")
    return rights


def do_register_agency(uow: UnitOfWork, *, actor_id: str, agency: AgencyCreate) -> None:
    with uow.transaction() as s:
        actor = _administrator(s, actor_id)
        if s.get(AgencyRow, agency.id) is not None:
            raise Conflict(f"agency {agency.id} exists")
        s.add(AgencyRow(id=agency.id, name=agency.name, kind=agency.kind))
        audit.action(
            s,
            uow.clock.now(),
            actor,
            "register-agency",
            "agency",
            agency.id,
            Purpose.ADMINISTRATION,
        )


def do_register_professional(
    uow: UnitOfWork, *, actor_id: str, professional: ProfessionalCreate
) -> None:
    with uow.transaction() as s:
        actor = _administrator(s, actor_id)
        if s.get(ProfessionalRow, professional.id) is not None:
            raise Conflict(f"professional {professional.id} exists")
        _exists(s, AgencyRow, professional.agency, "agency")
        s.add(
            ProfessionalRow(
                id=professional.id,
                agency_id=professional.agency,
                role=professional.role,
                name=professional.name,
            )
        )
        audit.action(
            s,
            uow.clock.now(),
            actor,
            "register-professional",
            "professional",
            professional.id,
            Purpose.ADMINISTRATION,
        )


def do_issue_token(uow: UnitOfWork, *, actor_id: str, professional_id: str) -> str:
    """A bearer token for one professional; only its hash is kept."""
    with uow.transaction() as s:
        actor = _administrator(s, actor_id)
        _exists(s, ProfessionalRow, professional_id, "professional")
        token = secrets.token_urlsafe(32)
        s.add(
            ApiTokenRow(
                token_sha256=token_digest(token),
                professional_id=professional_id,
                created_at=uow.clock.now(),
            )
        )
        audit.action(
            s,
            uow.clock.now(),
            actor,
            "issue-token",
            "professional",
            professional_id,
            Purpose.ADMINISTRATION,
        )
        return token


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def do_register_address(uow: UnitOfWork, *, actor_id: str, address: AddressCreate) -> None:
    with uow.transaction() as s:
        actor = _register_keeper(s, actor_id)
        if s.get(AddressRow, address.id) is not None:
            raise Conflict(f"address {address.id} exists")
        s.add(AddressRow(id=address.id, text=address.text))
        register_changed(s, address_id=address.id)
        audit.action(
            s,
            uow.clock.now(),
            actor,
            "register-address",
            "address",
            address.id,
            Purpose.CASE_MANAGEMENT,
        )
        households = MatchReviewRow.address_id.is_not(None)  # a new address moves no person
        reevaluate(s, households, now=uow.clock.now(), actor=actor, rerun=rerun_rules)


def do_add_person(uow: UnitOfWork, *, actor_id: str, person: PersonCreate) -> None:
    with uow.transaction() as s:
        actor = _register_keeper(s, actor_id)
        if s.get(PersonRow, person.id) is not None:
            raise Conflict(f"person {person.id} exists")
        if person.address is not None:
            _exists(s, AddressRow, person.address, "address")
        if person.school is not None:
            _school(s, person.school)
        now = uow.clock.now()
        s.add(
            PersonRow(
                id=person.id,
                kind=person.kind,
                given=person.given,
                family=person.family,
                dob=person.dob,
                sex=person.sex,
                nhs=_nhs_digits(person.nhs),
                phone=person.phone,
                address_id=person.address,
                school_id=person.school,
                created_at=now,
            )
        )
        s.flush()
        s.add_all(AliasRow(person_id=person.id, name=alias) for alias in person.aliases)
        if person.address is not None:
            s.add(PersonAddressRow(person_id=person.id, address_id=person.address, since=now))
        register_changed(s, person_id=person.id)
        audit.action(
            s, uow.clock.now(), actor, "add-person", "person", person.id, Purpose.CASE_MANAGEMENT
        )
        people = MatchReviewRow.person_id.is_not(None)  # a new person moves no household
        reevaluate(s, people, now=now, actor=actor, rerun=rerun_rules)


def do_update_person(
    uow: UnitOfWork, *, actor_id: str, person_id: str, change: PersonUpdate
) -> int:
    """Correct a person's identity; returns the record's new version. The matcher changes in
    this transaction, and queued possible matches are linked afresh: the corrected record may
    now be certain for them. The audit says who corrected which record, never what it said
    before or after. A correction against an older version is refused (Conflict, `version`)."""
    with uow.transaction() as s:
        actor = _register_keeper(s, actor_id)
        row = access_person_by_id(s, person_id)
        now = uow.clock.now()
        _next_version(s, row, change.version)
        _correct(s, row, change, now)
        register_changed(s, person_id=person_id)
        audit.action(s, now, actor, "update-person", "person", person_id, Purpose.CASE_MANAGEMENT)
        people = MatchReviewRow.person_id.is_not(None)  # a person moves no household
        reevaluate(s, people, now=now, actor=actor, rerun=rerun_rules)
        return row.version


STALE = "the record has changed since this correction was made: read it again and correct that"


def _next_version(s: Session, row: PersonRow, expected: int | None) -> None:
    """The record's version goes up by one, in one conditional UPDATE: of two corrections
    made against the same version, the second finds it gone (the database's row lock makes
    it wait for the first) and is refused. `expected` None: whatever version is current."""
    seen = row.version if expected is None else expected
    bumped = s.execute(
        sa.update(PersonRow)
        .where(PersonRow.id == row.id, PersonRow.version == seen)
        .values(version=PersonRow.version + 1)
        .execution_options(synchronize_session="fetch")
    )
    if bumped.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(STALE, field="version")


def _correct(s: Session, row: PersonRow, change: PersonUpdate, now: datetime) -> None:
    if change.school is not None:
        row.school_id = _school(s, change.school).id
    if change.address is not None:
        _exists(s, AddressRow, change.address, "address")
        _move_home(s, row, change.address, now)
    for column in ("given", "family", "dob", "sex", "phone"):
        value = getattr(change, column)
        if value is not None:
            setattr(row, column, value)
    if change.nhs is not None:
        row.nhs = _nhs_digits(change.nhs)
    known = set(s.scalars(sa.select(AliasRow.name).where(AliasRow.person_id == row.id)))
    fresh = [alias for alias in dict.fromkeys(change.aliases_add) if alias not in known]
    s.add_all(AliasRow(person_id=row.id, name=alias) for alias in fresh)


def _school(s: Session, school_id: str) -> AgencyRow:
    school = _exists(s, AgencyRow, school_id, "school")
    if school.kind != AgencyKind.SCHOOL:
        raise Invalid("school", f"{school_id} is not a school")
    return school


def _move_home(s: Session, row: PersonRow, address_id: str, now: datetime) -> None:
    """The current address ends now and the new one starts: matching still knows both."""
    if row.address_id == address_id:
        return
    s.execute(
        sa.update(PersonAddressRow)
        .where(PersonAddressRow.person_id == row.id, PersonAddressRow.until.is_(None))
        .values(until=now)
    )
    s.add(PersonAddressRow(person_id=row.id, address_id=address_id, since=now))
    row.address_id = address_id


def do_merge_people(uow: UnitOfWork, *, actor_id: str, merge: PeopleMerge) -> None:
    """Fold `merge.duplicate` into `merge.into` (see `services/merging.py`): the duplicate
    leaves the register and the matcher; what was shared about it is about the survivor,
    and the rules run again over it, so a contact recorded against the duplicate raises the
    alert the survivor's relationships imply. One transaction: refused, nothing changes."""
    with uow.transaction() as s:
        actor = _register_keeper(s, actor_id)
        now = uow.clock.now()
        duplicate, survivor = _mergeable(s, merge, now)
        withdrawn = withdraw_reviews_of(
            s, person_id=duplicate.id, because=Withdrawal.CANDIDATE_MERGED, now=now, actor=actor
        )
        folded = Fold(duplicate=duplicate, survivor=survivor, now=now, actor_id=actor.id)
        fold(s, folded)
        duplicate.merged_into = survivor.id
        for row in (duplicate, survivor):
            _next_version(s, row, None)
        register_changed(s, person_id=survivor.id, removed_id=duplicate.id)
        for record in (duplicate.id, survivor.id):
            audit.action(s, now, actor, "merge-person", "person", record, Purpose.CASE_MANAGEMENT)
        contributions = folded.contributions | relink(s, withdrawn, now=now)
        people = MatchReviewRow.person_id.is_not(None)
        reevaluate(s, people, now=now, actor=actor, rerun=rerun_rules)
        for contribution in sorted(contributions):
            rerun_rules(s, contribution_id=contribution, now=now, actor=actor)
        refresh_prompts(s, children_around(s, survivor.id), now)


def _mergeable(s: Session, merge: PeopleMerge, now: datetime) -> tuple[PersonRow, PersonRow]:
    """(duplicate, survivor), or why not. A merged record is not found, like any record
    off the register. Two records that disagree on an identifier are refused: merging
    would keep one value silently, and the other may be right. Correct one first."""
    duplicate = access_person_by_id(s, merge.duplicate)
    if merge.into == merge.duplicate:
        raise Invalid("into", "a person cannot be merged into themselves")
    survivor = person_on_register(s, merge.into)
    if survivor is None:
        raise Invalid("into", f"no person with id {merge.into!r}")
    if survivor.kind != duplicate.kind:
        raise Invalid("into", f"{merge.into!r} is a {survivor.kind}, not a {duplicate.kind}")
    for column, what in (("dob", "dates of birth"), ("nhs", "NHS numbers")):
        mine, theirs = getattr(duplicate, column), getattr(survivor, column)
        if mine is not None and theirs is not None and mine != theirs:
            raise Conflict(
                f"{column}: the two records give different {what}; correct one first", field=column
            )
    if duplicate.kind == PersonKind.CHILD and all(
        _has_open_plan(s, child, now) for child in (duplicate.id, survivor.id)
    ):
        raise Conflict("plans: both children have an open plan; end one first", field="plans")
    return duplicate, survivor


def _has_open_plan(s: Session, child_id: str, now: datetime) -> bool:
    open_plan = sa.or_(PlanRow.ended.is_(None), PlanRow.ended > now)
    found = s.scalar(sa.select(PlanRow.id).where(PlanRow.child_id == child_id, open_plan).limit(1))
    return found is not None


@dataclass(frozen=True, slots=True)
class PersonView:
    """A person's record as the register keeps it, for the pages that correct or merge it."""

    id: str
    kind: str
    given: str
    family: str
    dob: date | None
    sex: str | None
    nhs: str | None
    phone: str | None
    address: str | None
    address_text: str | None
    school: str | None
    school_name: str | None
    aliases: list[str]
    relationships: int
    conditions: int
    plans: int
    shared: int  # pieces of information an agency shared that are linked to the person
    version: int  # sent back with a correction (PersonUpdate.version)

    @property
    def name(self) -> str:
        return f"{self.given} {self.family}"


@dataclass(frozen=True, slots=True)
class RegisterChoices:
    """What a correction may choose from: the registered addresses and schools, by id."""

    addresses: tuple[tuple[str, str], ...]
    schools: tuple[tuple[str, str], ...]


def view_person(uow: UnitOfWork, *, actor_id: str, person_id: str) -> PersonView:
    """A register keeper's read of one record; anyone else, or a merged id, is not found."""
    refused = audit.refusals_recorded(
        uow, actor_id, "read-person", "person", person_id, Purpose.CASE_MANAGEMENT
    )
    with refused, uow.transaction() as s:
        actor = _register_keeper(s, actor_id)
        row = access_person_by_id(s, person_id)
        audit.action(
            s, uow.clock.now(), actor, "read-person", "person", row.id, Purpose.CASE_MANAGEMENT
        )
        return _person_view(s, row)


def preview_merge(
    uow: UnitOfWork, *, actor_id: str, merge: PeopleMerge
) -> tuple[PersonView, PersonView]:
    """(duplicate, survivor) as the merge would find them, refused exactly as it would be:
    a confirmation page shows what will happen only when it can happen."""
    refused = audit.refusals_recorded(
        uow, actor_id, "read-person", "person", merge.duplicate, Purpose.CASE_MANAGEMENT
    )
    with refused, uow.transaction() as s:
        actor = _register_keeper(s, actor_id)
        now = uow.clock.now()
        duplicate, survivor = _mergeable(s, merge, now)
        for row in (duplicate, survivor):
            audit.action(s, now, actor, "read-person", "person", row.id, Purpose.CASE_MANAGEMENT)
        return _person_view(s, duplicate), _person_view(s, survivor)


def register_choices(uow: UnitOfWork, *, actor_id: str) -> RegisterChoices:
    """The addresses and schools on the register, for a keeper's form; names no person."""
    with uow.transaction() as s:
        _register_keeper(s, actor_id)
        addresses = s.execute(sa.select(AddressRow.id, AddressRow.text).order_by(AddressRow.text))
        schools = s.execute(
            sa.select(AgencyRow.id, AgencyRow.name)
            .where(AgencyRow.kind == AgencyKind.SCHOOL)
            .order_by(AgencyRow.name)
        )
        return RegisterChoices(
            addresses=tuple((a.id, a.text) for a in addresses),
            schools=tuple((a.id, a.name) for a in schools),
        )


def access_person_by_id(s: Session, person_id: str) -> PersonRow:
    """The only way the register's pages load a record: a merged or missing one is not found."""
    row = person_on_register(s, person_id)
    if row is None:
        raise NotFound("person")
    return row


def _person_view(s: Session, row: PersonRow) -> PersonView:
    address = s.get(AddressRow, row.address_id) if row.address_id else None
    school = s.get(AgencyRow, row.school_id) if row.school_id else None
    aliases = s.scalars(
        sa.select(AliasRow.name).where(AliasRow.person_id == row.id).order_by(AliasRow.id)
    )
    related = sa.or_(RelationshipRow.child_id == row.id, RelationshipRow.adult_id == row.id)
    shared = sa.select(sa.func.count(sa.distinct(ContributionSubjectRow.contribution_id))).where(
        ContributionSubjectRow.person_id == row.id
    )
    return PersonView(
        id=row.id,
        kind=row.kind,
        given=row.given,
        family=row.family,
        dob=row.dob,
        sex=row.sex,
        nhs=row.nhs,
        phone=row.phone,
        address=row.address_id,
        address_text=address.text if address else None,
        school=row.school_id,
        school_name=school.name if school else None,
        aliases=list(aliases),
        relationships=_count(s, RelationshipRow, related),
        conditions=_count(s, ConditionRow, ConditionRow.person_id == row.id),
        plans=_count(s, PlanRow, PlanRow.child_id == row.id),
        shared=s.scalar(shared) or 0,
        version=row.version,
    )


def _count(s: Session, table: type[Base], where: sa.ColumnElement[bool]) -> int:
    return s.scalar(sa.select(sa.func.count()).select_from(table).where(where)) or 0


def do_relate(uow: UnitOfWork, *, actor_id: str, relationship: RelationshipCreate) -> None:
    """Add a relationship, or update the one between the same child and adult."""
    with uow.transaction() as s:
        actor = _register_keeper(s, actor_id)
        _person_of_kind(s, relationship.child, PersonKind.CHILD, "child")
        _person_of_kind(s, relationship.adult, PersonKind.ADULT, "adult")
        row = s.scalars(
            sa.select(RelationshipRow).where(
                RelationshipRow.child_id == relationship.child,
                RelationshipRow.adult_id == relationship.adult,
            )
        ).one_or_none()
        if row is None:
            row = RelationshipRow(
                child_id=relationship.child,
                adult_id=relationship.adult,
                lives_with=False,
                contact=Contact.PERMITTED,
            )
            s.add(row)
        row.kind = relationship.kind
        if relationship.lives_with is not None:
            row.lives_with = relationship.lives_with
        if relationship.contact is not None:
            row.contact = relationship.contact
        if relationship.risk is not None:
            row.risk = relationship.risk
        row.recorded_by = actor.id
        row.updated_at = uow.clock.now()
        s.flush()
        refresh_prompts(s, [relationship.child], uow.clock.now())
        audit.action(
            s,
            uow.clock.now(),
            actor,
            "relate",
            "relationship",
            str(row.id),
            Purpose.CASE_MANAGEMENT,
        )


def do_set_conditions(uow: UnitOfWork, *, actor_id: str, conditions: ConditionsSet) -> None:
    """Record legal conditions on an adult; who recorded a licence or MAPPA is remembered."""
    with uow.transaction() as s:
        actor = load_actor(s, actor_id)
        if actor.agency_kind not in CONDITION_KEEPERS and actor is not SYSTEM:
            raise NotFound("person")
        _person_of_kind(s, conditions.person, PersonKind.ADULT, "person")
        now = uow.clock.now()
        for condition in conditions.conditions:
            s.add(
                ConditionRow(
                    person_id=conditions.person,
                    kind=condition.kind,
                    detail=condition.detail,
                    until=condition.until,
                    recorded_by=actor.id,
                    recorded_at=now,
                )
            )
        audit.action(
            s,
            uow.clock.now(),
            actor,
            "set-conditions",
            "person",
            conditions.person,
            Purpose.CASE_MANAGEMENT,
        )


def do_start_plan(uow: UnitOfWork, *, actor_id: str, plan: PlanStart) -> int:
    with uow.transaction() as s:
        actor = _register_keeper(s, actor_id)
        return _start_plan(s, uow, actor, plan, started=uow.clock.now(), ended=None)


def do_record_plan_history(uow: UnitOfWork, *, actor_id: str, plan: PlanHistory) -> int:
    """A plan already on record when the register is loaded, with its own dates."""
    with uow.transaction() as s:
        actor = _register_keeper(s, actor_id)
        ended = _start_of(plan.to) if plan.to else None
        return _start_plan(s, uow, actor, plan, started=_start_of(plan.from_), ended=ended)


def do_end_plan(uow: UnitOfWork, *, actor_id: str, plan: PlanEnd) -> None:
    with uow.transaction() as s:
        actor = _register_keeper(s, actor_id)
        row = s.scalars(
            sa.select(PlanRow).where(
                PlanRow.child_id == plan.child, PlanRow.plan == plan.plan, PlanRow.ended.is_(None)
            )
        ).first()
        if row is None:
            raise Invalid("plan", f"{plan.child} has no open {plan.plan} plan")
        row.ended = uow.clock.now()
        s.flush()
        refresh_prompts(s, [plan.child], uow.clock.now())
        audit.action(
            s, uow.clock.now(), actor, "end-plan", "plan", str(row.id), Purpose.CASE_MANAGEMENT
        )


def _start_plan(
    s: Session,
    uow: UnitOfWork,
    actor: Actor,
    plan: PlanStart,
    *,
    started: datetime,
    ended: datetime | None,
) -> int:
    _person_of_kind(s, plan.child, PersonKind.CHILD, "child")
    if plan.lead is not None:
        lead = _exists(s, ProfessionalRow, plan.lead, "lead")
        if lead.role != Role.SOCIAL_WORKER:
            raise Invalid("lead", f"{plan.lead} is not a social worker")
    row = PlanRow(
        child_id=plan.child,
        plan=plan.plan,
        category=plan.category,
        lead_id=plan.lead,
        started=started,
        ended=ended,
    )
    s.add(row)
    s.flush()
    audit.action(
        s, uow.clock.now(), actor, "start-plan", "plan", str(row.id), Purpose.CASE_MANAGEMENT
    )
    return row.id


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _nhs_digits(nhs: str | None) -> str | None:
    if nhs is None:
        return None
    digits = "".join(ch for ch in nhs if ch.isdigit())
    if len(digits) != 10:
        raise Invalid("nhs", "an NHS number has 10 digits")
    return digits


def _administrator(s: Session, actor_id: str) -> Actor:
    actor = load_actor(s, actor_id)
    if actor is not SYSTEM:
        raise NotFound("register")
    return actor


def _register_keeper(s: Session, actor_id: str) -> Actor:
    """Only Children's Social Care keeps the register."""
    actor = load_actor(s, actor_id)
    if actor is SYSTEM or actor.agency_kind in REGISTER_KEEPERS:
        return actor
    raise NotFound("register")


def _exists(s: Session, table: type[_Row], key: str, field: str) -> _Row:
    row = s.get(table, key)
    if row is None:
        raise Invalid(field, f"no {field} with id {key!r}")
    return row


def _person_of_kind(s: Session, key: str, kind: PersonKind, field: str) -> PersonRow:
    row = person_on_register(s, key)
    if row is None:
        raise Invalid(field, f"no {field} with id {key!r}")
    if row.kind != kind:
        raise Invalid(field, f"{key!r} is not a {kind}")
    return row
