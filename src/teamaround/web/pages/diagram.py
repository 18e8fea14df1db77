"""The people around a child laid out as a server-rendered SVG: boxes, lines and contact tags.

Pure layout: coordinates and wrapped lines, no markup (the template draws them). The same
facts are on the page as summary lists, so the drawing is an image with a text alternative.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

from teamaround.services.children import AdultView, ChildView
from teamaround.services.people import KnownBy
from teamaround.web.pages.templating import label

WIDTH = 900
CHILD_X, CHILD_WIDTH = 20, 250
ADULT_X, ADULT_WIDTH = 440, 440
LINE = 22
PAD = 14
TAG = 30
GAP = 24
CHILD_CHARS, ADULT_CHARS = 28, 50

# GOV.UK Frontend 6 tag colours: a dark text on a light fill, with a line in the strong colour.
CONTACT_STYLE = {
    "prohibited": ("#f4d7d7", "#651b1b", "#ca3535"),
    "supervised": ("#ffee80", "#7a3c1c", "#f47738"),
    "permitted": ("#cfe4dc", "#083d29", "#505a5f"),
}


@dataclass(frozen=True, slots=True)
class Text:
    x: int
    y: int
    text: str
    bold: bool = False


@dataclass(frozen=True, slots=True)
class Tag:
    x: int
    y: int
    width: int
    text: str
    fill: str
    colour: str


@dataclass(frozen=True, slots=True)
class Box:
    x: int
    y: int
    width: int
    height: int
    texts: list[Text]
    border: str = "#0b0c0c"
    tag: Tag | None = None


@dataclass(frozen=True, slots=True)
class Connector:
    x1: int
    y1: int
    x2: int
    y2: int
    label: str
    stroke: str
    dashed: bool

    @property
    def middle(self) -> tuple[int, int]:
        return (self.x1 + self.x2) // 2, (self.y1 + self.y2) // 2


@dataclass(frozen=True, slots=True)
class Diagram:
    width: int
    height: int
    child: Box
    adults: list[Box] = field(default_factory=list)
    connectors: list[Connector] = field(default_factory=list)


def people_diagram(child: ChildView, known_by: KnownBy) -> Diagram:
    """The child on the left, each adult on the right, a line for each relationship."""
    adults, y = [], GAP
    for adult in child.adults:
        box = _adult_box(adult, known_by.get(adult.id, []), y)
        adults.append(box)
        y += box.height + GAP
    lines = _child_lines(child, known_by.get(child.id, []))
    child_height = PAD * 2 + LINE * len(lines)
    height = max(y, child_height + 2 * GAP)
    child_box = _box(CHILD_X, (height - child_height) // 2, CHILD_WIDTH, lines)
    connectors = [
        _connector(child_box, box, a) for box, a in zip(adults, child.adults, strict=True)
    ]
    return Diagram(WIDTH, height, child_box, adults, connectors)


def _child_lines(child: ChildView, known_to: list[str]) -> list[tuple[str, bool]]:
    lines = [(child.name, True), ("Child", False)]
    if child.open_plans:
        lines += _wrapped("Plans: " + ", ".join(label(p) for p in child.open_plans), CHILD_CHARS)
    return lines + _wrapped("Known to: " + (", ".join(known_to) or "no agency"), CHILD_CHARS)


def _adult_box(adult: AdultView, known_to: list[str], y: int) -> Box:
    lives = "lives with the child" if adult.lives_with else "does not live with the child"
    head = [(adult.name, True), (f"{label(adult.relationship)}, {lives}", False)]
    rest: list[tuple[str, bool]] = []
    for condition in adult.conditions:
        rest += _wrapped(condition, ADULT_CHARS)
    rest += _wrapped("Known to: " + (", ".join(known_to) or "no agency"), ADULT_CHARS)
    fill, colour, border = CONTACT_STYLE.get(adult.contact, CONTACT_STYLE["permitted"])
    tag_y = y + PAD + LINE * len(head) + 4
    tag = Tag(ADULT_X + PAD, tag_y, 230, f"Contact: {label(adult.contact)}", fill, colour)
    texts = _texts(ADULT_X, y, head) + _texts(ADULT_X, y + TAG + 8, rest, start=len(head))
    height = PAD * 2 + LINE * (len(head) + len(rest)) + TAG + 8
    return Box(ADULT_X, y, ADULT_WIDTH, height, texts, border, tag)


def _box(x: int, y: int, width: int, lines: list[tuple[str, bool]]) -> Box:
    return Box(x, y, width, PAD * 2 + LINE * len(lines), _texts(x, y, lines))


def _texts(x: int, y: int, lines: list[tuple[str, bool]], start: int = 0) -> list[Text]:
    return [
        Text(x + PAD, y + PAD + LINE * (start + i) + 16, text, bold)
        for i, (text, bold) in enumerate(lines)
    ]


def _wrapped(text: str, chars: int) -> list[tuple[str, bool]]:
    return [(line, False) for line in textwrap.wrap(text, chars)]


def _connector(child: Box, adult: Box, view: AdultView) -> Connector:
    _, __, stroke = CONTACT_STYLE.get(view.contact, CONTACT_STYLE["permitted"])
    return Connector(
        x1=child.x + child.width,
        y1=child.y + child.height // 2,
        x2=adult.x,
        y2=adult.y + adult.height // 2,
        label=label(view.relationship),
        stroke=stroke,
        dashed=view.contact == "prohibited",
    )
