"""The error bodies the API answers with, documented so clients (and Schemathesis) know them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class Problem(BaseModel):
    field: str
    problem: str


class Problems(BaseModel):
    """422: the request was refused, nothing was written; each problem names its field."""

    detail: str
    errors: list[Problem]


class Message(BaseModel):
    """401, 403, 404, 409: what went wrong, in words that reveal no record."""

    detail: str


RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": Message, "description": "Not signed in"},
    404: {"model": Message, "description": "Not found, or not yours to see"},
    409: {"model": Message, "description": "Conflicts with what is recorded"},
    422: {"model": Problems, "description": "Refused: a field is missing or wrong"},
}
