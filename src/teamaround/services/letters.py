"""Checking a family-facing letter for jargon, and the partnership's own glossary."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import sqlalchemy as sa
import textstat
import yaml
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from teamaround.adapters.db.tables import GlossaryTermRow
from teamaround.domain.vocab import AgencyKind, Purpose
from teamaround.rules.plain_language import (
    RECOMMENDATION,
    FlaggedTerm,
    GlossaryEntry,
    flag_terms,
)
from teamaround.services import audit
from teamaround.services.commands import LetterCheck, Strict
from teamaround.services.context import SYSTEM, UnitOfWork, load_actor
from teamaround.services.errors import NotFound

SHIPPED_GLOSSARY = Path(__file__).parents[1] / "rules" / "glossary.yaml"
LONG_SENTENCE = 25  # words; GOV.UK style guidance keeps sentences to about 25 words


class GlossaryTermCreate(Strict):
    term: str = Field(min_length=1, max_length=80)
    plain: str = Field(min_length=1, max_length=2000)


class _ShippedEntry(BaseModel):
    term: str
    plain: str
    also: list[str] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class LetterReport:
    terms: list[FlaggedTerm]
    reading_ease: float
    grade: float
    long_sentences: int
    advice: list[str]
    recommendation: str = RECOMMENDATION


def check_letter(uow: UnitOfWork, *, actor_id: str, check: LetterCheck) -> LetterReport:
    with uow.transaction() as s:
        actor = load_actor(s, actor_id)
        terms = flag_terms(check.text, glossary(s))
        audit.action(
            s, uow.clock.now(), actor, "check-letter", "letter", "-", Purpose.CASE_MANAGEMENT
        )
    ease = float(textstat.flesch_reading_ease(check.text))
    long_sentences = sum(
        len(sentence.split()) > LONG_SENTENCE for sentence in re.split(r"[.!?]+\s", check.text)
    )
    return LetterReport(
        terms=terms,
        reading_ease=ease,
        grade=float(textstat.flesch_kincaid_grade(check.text)),
        long_sentences=long_sentences,
        advice=_advice(terms, ease, long_sentences),
    )


def do_add_glossary_term(uow: UnitOfWork, *, actor_id: str, entry: GlossaryTermCreate) -> None:
    """Partnerships extend the glossary; Children's Social Care keeps it."""
    with uow.transaction() as s:
        actor = load_actor(s, actor_id)
        if actor is not SYSTEM and actor.agency_kind != AgencyKind.CHILDRENS_SOCIAL_CARE:
            raise NotFound("glossary")
        row = s.get(GlossaryTermRow, entry.term)
        if row is None:
            row = GlossaryTermRow(term=entry.term)
            s.add(row)
        row.explanation = entry.plain
        row.added_by = actor.id
        row.added_at = uow.clock.now()
        s.flush()
        audit.action(
            s,
            uow.clock.now(),
            actor,
            "add-glossary-term",
            "glossary",
            entry.term,
            Purpose.ADMINISTRATION,
        )


def glossary(s: Session) -> list[GlossaryEntry]:
    """The shipped glossary with the partnership's terms added (theirs win on the same term)."""
    entries = {e.term.lower(): e for e in shipped_glossary()}
    for row in s.scalars(sa.select(GlossaryTermRow)):
        shipped = entries.get(row.term.lower())
        entries[row.term.lower()] = GlossaryEntry(
            row.term, row.explanation, shipped.also if shipped else ()
        )
    return list(entries.values())


@cache
def shipped_glossary() -> tuple[GlossaryEntry, ...]:
    raw = yaml.safe_load(SHIPPED_GLOSSARY.read_text(encoding="utf-8"))
    parsed = [_ShippedEntry.model_validate(item) for item in raw]
    return tuple(GlossaryEntry(e.term, " ".join(e.plain.split()), tuple(e.also)) for e in parsed)


def _advice(terms: list[FlaggedTerm], ease: float, long_sentences: int) -> list[str]:
    advice = []
    if terms:
        advice.append(
            f"Explain or replace {len(terms)} term{'s' if len(terms) != 1 else ''} a family may "
            "not know: " + ", ".join(t.term for t in terms) + "."
        )
    if ease < 60:
        advice.append(
            f"Reading ease is {ease:.0f} out of 100: aim for 60 or more, with shorter sentences "
            "and everyday words."
        )
    if long_sentences:
        advice.append(f"{long_sentences} sentence(s) have more than {LONG_SENTENCE} words.")
    return advice
