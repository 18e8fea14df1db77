"""register journal: numbered register changes, so other processes catch up

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # In place (see 0008): the one register_state row starts at change 0, with no journal
    # behind it, so a matcher cached before the upgrade rebuilds once and then catches up.
    op.add_column(
        "register_state",
        sa.Column("seq", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )
    op.create_table(
        "register_changes",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=True),
        sa.Column("address_id", sa.String(length=64), nullable=True),
        sa.Column("removed_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_register_changes")),
    )


def downgrade() -> None:
    op.drop_table("register_changes")
    op.drop_column("register_state", "seq")
