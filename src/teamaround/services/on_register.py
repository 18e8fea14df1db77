"""Who is on the register: every person not merged into another record.

A merged duplicate keeps its row (audit entries and withdrawn review items still name it),
so every query that lists, matches or reads people by id filters with `ON_REGISTER`: a
merged id answers as not found, everywhere, rather than pointing to its survivor (which
would tell a caller that two records were one person).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from teamaround.adapters.db.tables import PersonRow

ON_REGISTER = PersonRow.merged_into.is_(None)


def person_on_register(s: Session, person_id: str) -> PersonRow | None:
    """The person, or None when there is none or they were merged into another."""
    row = s.get(PersonRow, person_id)
    return row if row is not None and row.merged_into is None else None
