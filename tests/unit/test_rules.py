"""The alert rules as pure functions over a case snapshot."""

from __future__ import annotations

from datetime import date

from teamaround.domain.case import CaseSnapshot, Condition, LinkedAdult
from teamaround.domain.sharing import LinkedSubject, SharedInformation
from teamaround.domain.vocab import (
    AlertKind,
    ConditionKind,
    Contact,
    Fact,
    PlanKind,
    Priority,
    RelationshipKind,
    SubjectRole,
)
from teamaround.rules.marac import marac_linked_child
from teamaround.rules.new_information import new_information
from teamaround.rules.risk_at_address import risk_adult_at_child_address

TODAY = date(2024, 3, 4)


def case(**changes: object) -> CaseSnapshot:
    base = {
        "child_id": "c1",
        "open_plans": frozenset({PlanKind.CHILD_PROTECTION}),
        "home_address_id": "home",
        "lead_social_worker": "sw",
        "core_group": frozenset({"sw", "dsl", "nurse"}),
        "school_dsls": frozenset({"dsl"}),
        "spocs": frozenset({"spoc"}),
        "team_managers": frozenset({"tm"}),
        "adults": (
            LinkedAdult("mum", RelationshipKind.MOTHER, lives_with=True),
            LinkedAdult(
                "risky",
                RelationshipKind.PARENTS_PARTNER,
                contact=Contact.PROHIBITED,
                offender_managers=frozenset({"om"}),
            ),
        ),
    }
    base.update(changes)
    return CaseSnapshot(**base)  # type: ignore[arg-type]


def subject(
    person: str | None, address: str | None = None, *, role: SubjectRole = SubjectRole.SUBJECT
) -> LinkedSubject:
    return LinkedSubject(
        0, role, person, address, address is not None, "name and date of birth agree"
    )


def info(
    *subjects: LinkedSubject,
    facts: set[Fact] | None = None,
    sharer: str = "handler",
    restricted: bool = False,
) -> SharedInformation:
    return SharedInformation(
        "k1", "amb", "Ambulance (111)", sharer, frozenset(facts or ()), restricted, subjects
    )


def test_new_information_about_a_linked_adult_goes_to_lead_and_school() -> None:
    [alert] = new_information(info(subject("mum")), case())
    assert alert.kind == AlertKind.NEW_INFORMATION
    assert alert.recipients == {"sw", "dsl"}
    assert alert.about == "c1"


def test_new_information_needs_an_open_plan() -> None:
    assert new_information(info(subject("mum")), case(open_plans=frozenset())) == []


def test_unrelated_information_raises_nothing() -> None:
    assert new_information(info(subject("stranger", "elsewhere")), case()) == []


def test_unknown_person_at_the_childs_home_is_new_information() -> None:
    [alert] = new_information(info(subject(None, "home")), case())
    assert "home address" in alert.reason


def test_restricted_information_reaches_only_the_lead_social_worker() -> None:
    [alert] = new_information(info(subject("mum"), restricted=True), case())
    assert alert.recipients == {"sw"}


def test_the_sharer_is_not_alerted_about_their_own_information() -> None:
    [alert] = new_information(info(subject("mum"), sharer="dsl"), case())
    assert alert.recipients == {"sw"}


def test_prohibited_adult_at_home_is_urgent_to_everyone_responsible() -> None:
    [alert] = risk_adult_at_child_address(info(subject("risky", "home")), case(), TODAY)
    assert alert.priority == Priority.URGENT
    assert alert.recipients == {"sw", "dsl", "nurse", "spoc", "om"}
    assert alert.concerning == "risky"


def test_prohibited_adult_elsewhere_is_not_urgent() -> None:
    assert risk_adult_at_child_address(info(subject("risky", "other")), case(), TODAY) == []


def test_permitted_adult_at_home_is_not_urgent() -> None:
    assert risk_adult_at_child_address(info(subject("mum", "home")), case(), TODAY) == []


def test_recorded_risk_or_mappa_makes_an_adult_urgent() -> None:
    with_risk = case(adults=(LinkedAdult("a", RelationshipKind.OTHER, risk="violent"),))
    mappa = case(
        adults=(
            LinkedAdult(
                "a", RelationshipKind.OTHER, conditions=(Condition(ConditionKind.MAPPA, "level 2"),)
            ),
        )
    )
    expired = case(
        adults=(
            LinkedAdult(
                "a",
                RelationshipKind.OTHER,
                conditions=(Condition(ConditionKind.MAPPA, "level 2", until=date(2020, 1, 1)),),
            ),
        )
    )
    shared = info(subject("a", "home"))
    assert len(risk_adult_at_child_address(shared, with_risk, TODAY)) == 1
    assert len(risk_adult_at_child_address(shared, mappa, TODAY)) == 1
    assert risk_adult_at_child_address(shared, expired, TODAY) == []


def test_adult_reported_present_with_someone_at_home_is_urgent() -> None:
    shared = info(
        subject("mum", "home"),
        LinkedSubject(1, SubjectRole.SUBJECT, "risky", None, False, "name agrees"),
        facts={Fact.ADULT_PRESENT},
    )
    assert len(risk_adult_at_child_address(shared, case(), TODAY)) == 1


def test_adult_without_address_and_no_presence_fact_is_not_urgent() -> None:
    shared = info(
        subject("mum", "home"),
        LinkedSubject(1, SubjectRole.SUBJECT, "risky", None, False, "name agrees"),
    )
    assert risk_adult_at_child_address(shared, case(), TODAY) == []


def test_marac_tells_the_school_and_social_worker() -> None:
    shared = info(subject("risky", role=SubjectRole.PERPETRATOR), sharer="coord")
    [alert] = marac_linked_child(shared, case(), date(2024, 3, 11))
    assert alert.kind == AlertKind.MARAC_LINKED_CHILD
    assert alert.recipients == {"sw", "dsl"}
    assert "perpetrator" in alert.reason


def test_marac_about_strangers_raises_nothing() -> None:
    shared = info(subject("stranger", role=SubjectRole.VICTIM), sharer="coord")
    assert marac_linked_child(shared, case(), date(2024, 3, 11)) == []
