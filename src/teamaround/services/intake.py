"""The share path's working set in one transaction: what it read, kept current as it writes.

A share links its subjects, then reads the case and history of every child they reach to run
the rules and refresh the prompts. `teamaround screen` puts hundreds of shares in one
transaction, and reading each child again for every row was most of its time. An `Intake`
reads the matcher, the children and their histories and open prompts once, for a whole batch
in a few queries (`prepare`), and the share path (`sharing.record_share`) keeps it current as
it writes: a contribution joins the histories it concerns (a probation officer sharing about
an adult becomes their offender manager), an urgent alert is counted, prompts are changed in
place. Anything else that changes a case in the same transaction (a waiting match settled by
this share, which reruns another contribution's rules) makes it forget the cases, which are
read again when next wanted. `do_share` makes an `Intake` for its one share: there is one
share path, whatever the batch.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from teamaround.adapters.db.tables import ContributionRow
from teamaround.domain.case import CaseHistory, CaseSnapshot
from teamaround.domain.sharing import AlertDraft, SharedInformation
from teamaround.domain.vocab import AgencyKind, Priority
from teamaround.rules.prompts import open_prompts
from teamaround.services.cases import children_by_link
from teamaround.services.commands import IdentityIn
from teamaround.services.context import Actor
from teamaround.services.errors import NotFound
from teamaround.services.history import load_histories, shared_facts
from teamaround.services.linking import (
    LinkReads,
    SubjectLink,
    identity_of,
    link_identity,
    waiting_descriptions,
)
from teamaround.services.prompts import Current, open_prompt_rows, update_prompts
from teamaround.services.review_items import Rerun


class Intake:
    """One transaction's reads for the share path, at one time (`now`)."""

    def __init__(self, s: Session, now: datetime) -> None:
        self.session = s
        self.now = now
        self.reads = LinkReads(s, now.date())
        self._links: dict[IdentityIn, SubjectLink] = {}
        self._children_of: dict[str, set[str]] = {}  # person -> children they are or are near
        self._children_at: dict[str, set[str]] = {}  # address -> children living there
        self._histories: dict[str, CaseHistory] = {}
        self._prompts: dict[str, Current] = {}
        self._waiting: frozenset[str] | None = None  # descriptions with matches waiting

    # ----------------------------------------------------------------------- reading

    def prepare(self, subjects: Iterable[IdentityIn]) -> None:
        """For a batch: link every description, then read the children they reach with their
        histories and open prompts, a few queries in all."""
        self.reads.read_decided_keys()
        self._waiting = waiting_descriptions(self.session)
        links = [self.link(subject) for subject in subjects]
        children = self.children_linked_to(
            {x.person_id for x in links if x.person_id},
            {x.address_id for x in links if x.address_id},
        )
        self._read(children)

    def link(self, subject: IdentityIn) -> SubjectLink:
        """The link for a description; the same description twice is linked once, since
        neither the register nor SPOCs' decisions change within the transaction."""
        if subject not in self._links:
            self._links[subject] = link_identity(
                self.session, identity_of(subject), self.now, reads=self.reads
            )
        return self._links[subject]

    def may_settle(self, link: SubjectLink) -> bool:
        """Whether `review_items.settle` may find a match waiting on this link's descriptions
        (it looks for none other). Within a batch only a match queued before it can: one
        queued by a row of the batch links the same way for the whole batch. So a batch
        reads those descriptions once and asks only when one of them comes up."""
        if self._waiting is None:
            return True
        return link.described_key in self._waiting or link.address_key in self._waiting

    def children_linked_to(self, people: set[str], homes: set[str]) -> list[str]:
        """As `cases.children_linked_to`, from what this transaction has read."""
        unread_people = people - self._children_of.keys()
        unread_homes = homes - self._children_at.keys()
        if unread_people or unread_homes:
            of, at = children_by_link(self.session, unread_people, unread_homes)
            self._children_of.update(of)
            self._children_at.update(at)
        found = {c for p in people for c in self._children_of[p]}
        found |= {c for a in homes for c in self._children_at[a]}
        return sorted(found)

    def history(self, child_id: str) -> CaseHistory:
        self._read([child_id])
        if child_id not in self._histories:
            raise NotFound("child")
        return self._histories[child_id]

    def _read(self, children: Iterable[str]) -> None:
        unread = [c for c in children if c not in self._histories]
        if unread:
            self._histories.update(load_histories(self.session, unread, self.now))
            self._prompts.update(open_prompt_rows(self.session, unread))

    def forget_cases(self) -> None:
        self._histories.clear()
        self._prompts.clear()

    # ----------------------------------------------------------------------- writing

    def contributed(self, info: SharedInformation, children: Iterable[str]) -> None:
        """A contribution was stored: the histories read before it take it in (those read
        after it have it already)."""
        row = self.session.get(ContributionRow, info.contribution_id)
        if row is None:
            raise NotFound("contribution")
        for child_id in children:
            history = self._histories.get(child_id)
            if history is None or any(c.contribution_id == row.id for c in history.contributions):
                continue
            self._histories[child_id] = _with_contribution(history, row, info)

    def alerts_raised(self, drafts: Iterable[AlertDraft]) -> None:
        for draft in drafts:
            history = self._histories.get(draft.about)
            if history is not None and draft.priority == Priority.URGENT:
                urgent = tuple(sorted((*history.urgent_alerts, self.now)))
                self._histories[draft.about] = replace(history, urgent_alerts=urgent)

    def refresh_prompts(self, children: Iterable[str]) -> None:
        """As `prompts.refresh_prompts`, from the histories as kept here."""
        for child_id in sorted(set(children)):
            wanted = open_prompts(self.history(child_id), self.now)
            update_prompts(self.session, child_id, wanted, self._prompts[child_id], self.now)
        self.session.flush()

    def rerunning(self, rerun: Rerun) -> Rerun:
        """`rerun`, after which the cases are read again: it changes them behind our back."""

        def run(s: Session, *, contribution_id: str, now: datetime, actor: Actor) -> list[str]:
            try:
                return rerun(s, contribution_id=contribution_id, now=now, actor=actor)
            finally:
                self.forget_cases()

        return run


def _with_contribution(
    history: CaseHistory, row: ContributionRow, info: SharedInformation
) -> CaseHistory:
    """The history as `load_history` would read it once `row` (linked as `info`) is stored."""
    case = history.case
    if history.agencies.get(row.agency_id) == AgencyKind.PROBATION:
        case = _managed(case, row, {x.person_id for x in info.subjects if x.person_id})
    adults = {a.person_id for a in case.adults}
    people = adults | {case.child_id}
    home = case.home_address_id
    about = [x for x in info.subjects if x.person_id in people or (home and x.address_id == home)]
    if not about:
        return replace(history, case=case)
    linked = {x.person_id for x in about}
    shared = shared_facts(row, case.child_id, adults, linked, history.agencies)
    contributions = sorted(
        (*history.contributions, shared), key=lambda c: (c.at, c.contribution_id)
    )
    return replace(history, case=case, contributions=tuple(contributions))


def _managed(case: CaseSnapshot, row: ContributionRow, people: set[str]) -> CaseSnapshot:
    """A probation professional who shares about an adult is one of their offender managers
    (`cases.offender_managers`)."""
    if not any(a.person_id in people for a in case.adults):
        return case
    adults = tuple(
        replace(a, offender_managers=a.offender_managers | {row.professional_id})
        if a.person_id in people
        else a
        for a in case.adults
    )
    agencies = {**case.professional_agencies, row.professional_id: row.agency_id}
    return replace(case, adults=adults, professional_agencies=agencies)
