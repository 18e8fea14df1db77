"""Plain language for families: find jargon and explain it (recommendation 14)."""

from __future__ import annotations

import re
from dataclasses import dataclass

RECOMMENDATION = "Recommendation 14: use clear language with families and explain terms"


@dataclass(frozen=True, slots=True)
class GlossaryEntry:
    term: str
    plain: str
    also: tuple[str, ...] = ()

    def spellings(self) -> tuple[str, ...]:
        return (self.term, *self.also)


@dataclass(frozen=True, slots=True)
class FlaggedTerm:
    term: str
    found_as: tuple[str, ...]
    count: int
    plain: str


def flag_terms(text: str, glossary: list[GlossaryEntry]) -> list[FlaggedTerm]:
    """Every glossary term the text uses, in order of first use, with a plain explanation."""
    found: list[tuple[int, FlaggedTerm]] = []
    for entry in glossary:
        hits = [m for spelling in entry.spellings() for m in _pattern(spelling).finditer(text)]
        if hits:
            first = min(m.start() for m in hits)
            forms = tuple(dict.fromkeys(m.group(0) for m in sorted(hits, key=lambda m: m.start())))
            found.append((first, FlaggedTerm(entry.term, forms, len(hits), entry.plain)))
    return [term for _, term in sorted(found, key=lambda pair: pair[0])]


def _pattern(spelling: str) -> re.Pattern[str]:
    """Acronyms written in capitals match only in capitals; other terms ignore case."""
    words = r"\s+".join(re.escape(part) for part in spelling.split())
    words = words.replace("'", "['’]").replace("\\'", "['’]")
    flags = 0 if _is_acronym(spelling) else re.IGNORECASE
    return re.compile(rf"(?<![\w-]){words}(?![\w-])", flags)


def _is_acronym(spelling: str) -> bool:
    letters = [c for c in spelling if c.isalpha()]
    return (
        len(letters) > 1
        and sum(c.isupper() for c in letters) >= len(letters) - 1
        and " " not in spelling
    )
