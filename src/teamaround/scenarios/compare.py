"""Comparing what a lookup, an agenda or a jargon check answered with what was expected."""

from __future__ import annotations

from typing import Any


def compare_output(key: str, expected: Any, answer: Any) -> tuple[bool, str]:
    if key == "lookup":
        return _lookup(expected, answer)
    if key == "agenda":
        return _agenda(expected, answer)
    if key == "flagged_terms":
        return _terms(expected, answer)
    return False, f"cannot compare {key}"


def _lookup(expected: dict[str, Any], answer: dict[str, Any]) -> tuple[bool, str]:
    ok = answer.get("flagged") == expected["flagged"]
    ok &= answer.get("discloses_child") == expected["discloses_child"]
    if expected.get("flags") is not None:
        ok &= set(expected["flags"]) <= set(answer.get("flags") or [])
    if expected.get("contact") is not None:
        ok &= answer.get("contact") == expected["contact"]
    happened = (
        f"flagged={answer.get('flagged')}, flags={answer.get('flags')}, "
        f"discloses_child={answer.get('discloses_child')}, contact={answer.get('contact')}"
    )
    return bool(ok), happened


def _agenda(expected: dict[str, Any], answer: dict[str, Any]) -> tuple[bool, str]:
    sections = set(answer.get("sections") or [])
    sources = set(answer.get("other_agency_information_from") or [])
    invites = set(answer.get("suggest_invite") or [])
    ok = set(expected["sections"]) <= sections
    ok &= set(expected["other_agency_information_from"]) <= sources
    ok &= set(expected["suggest_invite"]) <= invites
    happened = (
        f"sections={sorted(sections)}, information from={sorted(sources)}, "
        f"suggest inviting={sorted(invites)}"
    )
    return ok, happened


def _terms(expected: list[str], answer: list[str]) -> tuple[bool, str]:
    flagged = {t.lower() for t in answer}
    missing = [t for t in expected if t.lower() not in flagged]
    happened = f"flagged {', '.join(answer) or 'nothing'}"
    if missing:
        happened += f"; not flagged: {', '.join(missing)}"
    return not missing, happened
