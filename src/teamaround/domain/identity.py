"""A person as one agency describes them: every field optional, raw text kept as given."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Identity:
    given: str | None = None
    family: str | None = None
    name: str | None = None  # a whole name when the agency has nothing finer
    dob: str | None = None  # raw text: "1985-02-11", "11/02/1985"
    nhs: str | None = None
    address: str | None = None  # free-text UK address
    phone: str | None = None
    sex: str | None = None
