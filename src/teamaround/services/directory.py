"""The partnership's directory: professionals' and agencies' names, for pages to show.

Names of professionals and agencies are not case information: any active professional may
read them (as a staff directory), so reading them is not audited. Nothing here says which
child anyone works with.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from teamaround.adapters.db.tables import AgencyRow, ProfessionalRow
from teamaround.services.context import UnitOfWork, load_actor


@dataclass(frozen=True, slots=True)
class Named:
    """A professional as a page names them: 'Priya Shah, social worker, Stockton ...'."""

    name: str
    role: str
    agency: str
    agency_id: str


@dataclass(frozen=True, slots=True)
class Directory:
    professionals: dict[str, Named]
    agencies: dict[str, str]

    def name(self, professional_id: str | None) -> str:
        """A professional's name, or the id itself when the directory does not know it."""
        if professional_id is None:
            return ""
        known = self.professionals.get(professional_id)
        return known.name if known else professional_id

    def agency(self, agency_id: str) -> str:
        return self.agencies.get(agency_id, agency_id)


def directory(uow: UnitOfWork, *, actor_id: str) -> Directory:
    """Every professional (id -> name, role, agency) and agency (id -> name)."""
    with uow.transaction() as s:
        load_actor(s, actor_id)
        agencies = {a.id: a.name for a in s.scalars(sa.select(AgencyRow).order_by(AgencyRow.name))}
        professionals = {
            p.id: Named(p.name, p.role, agencies.get(p.agency_id, p.agency_id), p.agency_id)
            for p in s.scalars(sa.select(ProfessionalRow))
        }
        return Directory(professionals=professionals, agencies=agencies)
