"""What the new forms share: reading typed values back, and Pydantic errors as GOV.UK messages."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pydantic_core import ErrorDetails
from starlette.datastructures import FormData

TOO_LONG = frozenset({"string_too_long", "too_long"})

Message = Callable[[ErrorDetails], tuple[str, str]]


def typed(form: FormData, fields: Iterable[str]) -> dict[str, str]:
    """What was typed in each field, kept as typed, so a page with errors shows it again."""
    return {field: str(form.get(field) or "") for field in fields}


def filled(values: dict[str, str]) -> dict[str, str]:
    """Only the fields with something in them: the body a service's request validates."""
    return {key: value for key, value in values.items() if value.strip()}


def errors_in_order(
    details: Iterable[ErrorDetails], message: Message, order: tuple[str, ...]
) -> dict[str, str]:
    """One message per field, keyed by the field's id, in the order the fields are on the page."""
    errors: dict[str, str] = {}
    for detail in details:
        field, text = message(detail)
        errors.setdefault(field, text)
    return dict(sorted(errors.items(), key=lambda item: _position(item[0], order)))


def _position(field: str, order: tuple[str, ...]) -> int:
    return order.index(field) if field in order else len(order)
