"""Intake: agencies share what they know, and list MARAC cases."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, status
from pydantic import BaseModel

from teamaround.services.accounts import ApiScope
from teamaround.services.commands import MaracListingCreate, ShareCreate
from teamaround.services.sharing import ShareReceipt, do_list_marac, do_share
from teamaround.web.api.deps import CurrentProfessional, UowDep, require_scope

router = APIRouter(tags=["sharing"])


class ReceiptPublic(BaseModel):
    """The acknowledgement the sharing agency receives: it never names a child."""

    contribution_id: str
    received_at: datetime
    subjects: int
    message: str
    linked_children: int | None = None
    contacts: list[str] = []


def _public(receipt: ShareReceipt) -> ReceiptPublic:
    return ReceiptPublic(
        contribution_id=receipt.contribution_id,
        received_at=receipt.received_at,
        subjects=receipt.subjects,
        message=receipt.message,
        linked_children=receipt.linked_children,
        contacts=list(receipt.contacts),
    )


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Send the same key when retrying: the share is recorded once.",
    ),
]


@router.post(
    "/shares",
    status_code=status.HTTP_201_CREATED,
    response_model=ReceiptPublic,
    dependencies=[require_scope(ApiScope.SHARE)],
)
def share(
    body: ShareCreate, uow: UowDep, me: CurrentProfessional, key: IdempotencyKey = None
) -> ReceiptPublic:
    return _public(do_share(uow, actor_id=me, share=body, idempotency_key=key))


@router.post(
    "/marac-listings",
    status_code=status.HTTP_201_CREATED,
    response_model=ReceiptPublic,
    dependencies=[require_scope(ApiScope.SHARE)],
)
def list_marac(
    body: MaracListingCreate, uow: UowDep, me: CurrentProfessional, key: IdempotencyKey = None
) -> ReceiptPublic:
    return _public(do_list_marac(uow, actor_id=me, listing=body, idempotency_key=key))
