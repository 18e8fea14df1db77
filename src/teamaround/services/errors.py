"""What services raise; the API maps each to one status code.

ServiceError
 ├── NotFound      (404: missing, or not yours to see; the two are never told apart)
 ├── Invalid       (422: names the field and the problem)
 └── Conflict      (409: the record exists, or the state forbids the change)
"""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


class ServiceError(Exception):
    pass


class NotFound(ServiceError):
    def __init__(self, what: str = "record") -> None:
        super().__init__(f"{what} not found")
        self.what = what


class Invalid(ServiceError):
    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class Conflict(ServiceError):
    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        """The field the state forbids, where one does (a page shows the error against it)."""


def present(row: T | None, what: str) -> T:
    """The row, or NotFound: for records a query has just shown to exist (asserts vanish
    under python -O, so they cannot guard anything)."""
    if row is None:
        raise NotFound(what)
    return row
