"""The service navigation: the pages each role uses, in the order they use them.

Navigation only offers links; every page still asks its service, which refuses anyone
without the role (a hidden link is a convenience, never the access control).
"""

from __future__ import annotations

from dataclasses import dataclass

from teamaround.domain.vocab import Role
from teamaround.web.pages.state import SignedIn

MANAGERS = frozenset({Role.TEAM_MANAGER, Role.SPOC, Role.CONFERENCE_CHAIR})
LETTER_WRITERS = frozenset({Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.CONFERENCE_CHAIR})
# Children's Social Care keeps the register; probation and police record legal conditions.
REGISTER_USERS = frozenset(
    {Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.SPOC, Role.OFFENDER_MANAGER, Role.POLICE_OFFICER}
)


@dataclass(frozen=True, slots=True)
class Link:
    href: str
    text: str
    roles: frozenset[Role] | None = None  # None: everyone signed in


LINKS = (
    Link("/inbox", "Inbox"),
    Link("/share", "Share information"),
    Link("/lookup", "Look up a person"),
    Link("/challenges", "Challenges to my agency"),
    Link("/letters", "Check a letter", LETTER_WRITERS),
    Link("/register", "Register", REGISTER_USERS),
    Link("/marac", "List for MARAC", frozenset({Role.MARAC_COORDINATOR})),
    Link("/spoc", "SPOC view", frozenset({Role.SPOC})),
    Link("/reports/challenges", "Challenge report", MANAGERS),
)


def items(me: SignedIn | None, path: str) -> list[dict[str, object]]:
    """The links the signed-in professional's role uses, in the service navigation's shape."""
    if me is None:
        return []
    return [
        {"href": link.href, "text": link.text, "active": path.startswith(link.href)}
        for link in LINKS
        if link.roles is None or me.role in link.roles
    ]
