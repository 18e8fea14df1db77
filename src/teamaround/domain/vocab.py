"""Closed vocabularies of the case scenario contract (shared/scenarios/FORMAT.md)."""

from __future__ import annotations

from enum import StrEnum


class AgencyKind(StrEnum):
    CHILDRENS_SOCIAL_CARE = "childrens-social-care"
    SCHOOL = "school"
    POLICE = "police"
    AMBULANCE = "ambulance"
    GP = "gp"
    HEALTH_VISITING = "health-visiting"
    CAMHS = "camhs"
    HOSPITAL = "hospital"
    PROBATION = "probation"
    SUBSTANCE_MISUSE = "substance-misuse"
    MENTAL_HEALTH = "mental-health"
    DOMESTIC_ABUSE_SERVICE = "domestic-abuse-service"
    MARAC = "marac"
    HOUSING = "housing"
    OTHER = "other"


class Role(StrEnum):
    SOCIAL_WORKER = "social-worker"
    TEAM_MANAGER = "team-manager"
    SPOC = "spoc"
    DSL = "dsl"
    GP = "gp"
    HEALTH_VISITOR = "health-visitor"
    SCHOOL_NURSE = "school-nurse"
    CLINICIAN = "clinician"
    CALL_HANDLER = "call-handler"
    POLICE_OFFICER = "police-officer"
    OFFENDER_MANAGER = "offender-manager"
    IDVA = "idva"
    MARAC_COORDINATOR = "marac-coordinator"
    CONFERENCE_CHAIR = "conference-chair"
    PRACTITIONER = "practitioner"


class PersonKind(StrEnum):
    CHILD = "child"
    ADULT = "adult"


class RelationshipKind(StrEnum):
    MOTHER = "mother"
    FATHER = "father"
    STEP_PARENT = "step-parent"
    PARENTS_PARTNER = "parents-partner"
    GRANDPARENT = "grandparent"
    SIBLING = "sibling"
    CARER = "carer"
    OTHER = "other"


class Contact(StrEnum):
    PERMITTED = "permitted"
    SUPERVISED = "supervised"
    PROHIBITED = "prohibited"


class ConditionKind(StrEnum):
    LICENCE = "licence"
    EXCLUSION_ZONE = "exclusion-zone"
    NO_CONTACT = "no-contact"
    BAIL = "bail"
    RESTRAINING_ORDER = "restraining-order"
    MAPPA = "mappa"


class PlanKind(StrEnum):
    CHILD_PROTECTION = "child-protection"
    CHILD_IN_NEED = "child-in-need"
    CHILD_IN_CARE = "child-in-care"
    PRE_PROCEEDINGS = "pre-proceedings"


class PlanCategory(StrEnum):
    NEGLECT = "neglect"
    PHYSICAL = "physical"
    EMOTIONAL = "emotional"
    SEXUAL = "sexual"


class ShareCategory(StrEnum):
    INCIDENT = "incident"
    HEALTH_CONTACT = "health-contact"
    CONCERN = "concern"
    DISCLOSURE = "disclosure"
    UPDATE = "update"
    OBSERVATION = "observation"
    SUSPICION = "suspicion"


class Fact(StrEnum):
    DOMESTIC_ABUSE = "domestic-abuse"
    CHILD_LEFT_ALONE = "child-left-alone"
    INJURY = "injury"
    ADULT_PRESENT = "adult-present"
    SUBSTANCE_MISUSE = "substance-misuse"
    NO_HEALTH_NEEDS = "no-health-needs"
    SUPPORT_DECLINED = "support-declined"
    DENIAL = "denial"
    CLOSING_INVOLVEMENT = "closing-involvement"


class ContributionKind(StrEnum):
    SHARE = "share"
    MARAC_LISTING = "marac-listing"


class SubjectRole(StrEnum):
    SUBJECT = "subject"
    VICTIM = "victim"
    PERPETRATOR = "perpetrator"


class MeetingType(StrEnum):
    STRATEGY = "strategy"
    ICPC = "icpc"
    CORE_GROUP = "core-group"
    RCPC = "rcpc"
    CIN_REVIEW = "cin-review"
    COMPLEX_CASE_DISCUSSION = "complex-case-discussion"
    LEGAL_GATEWAY = "legal-gateway"


CONFERENCES = frozenset({MeetingType.ICPC, MeetingType.RCPC})


class AlertKind(StrEnum):
    RISK_ADULT_AT_CHILD_ADDRESS = "risk-adult-at-child-address"
    NEW_INFORMATION = "new-information"
    MARAC_LINKED_CHILD = "marac-linked-child"
    UNACKNOWLEDGED_ALERT = "unacknowledged-alert"
    CHALLENGE_OVERDUE = "challenge-overdue"
    TIMESCALE_OVERDUE = "timescale-overdue"


class Priority(StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"


class PromptKind(StrEnum):
    SEEK_OTHER_AGENCY_INFORMATION = "seek-other-agency-information"
    INVITE_AGENCY = "invite-agency"
    HEALTH_INPUT_FOR_ADULTS = "health-input-for-adults"
    EMOTIONAL_HEALTH_NEEDS = "emotional-health-needs"
    CHILD_DA_SUPPORT_REFERRAL = "child-da-support-referral"
    COMPLEX_CASE_DISCUSSION = "complex-case-discussion"


class ChallengeStatus(StrEnum):
    OPEN = "open"
    RESPONDED = "responded"
    ESCALATED = "escalated"
    RESOLVED = "resolved"


class Purpose(StrEnum):
    """Why a record was read or changed: the closed list the audit log accepts."""

    SAFEGUARDING_SHARE = "safeguarding-share"  # Children Act 2004 s11; Working Together
    CHILD_PROTECTION = "child-protection"  # Children Act 1989 s47
    CASE_MANAGEMENT = "case-management"  # Children Act 1989 s17
    FLAG_LOOKUP = "flag-lookup"
    ADMINISTRATION = "administration"
    AUDIT = "audit"
