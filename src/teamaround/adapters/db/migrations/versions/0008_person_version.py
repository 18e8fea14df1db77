"""person version

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 05:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # In place, not in batch mode (see 0007): a NOT NULL column with a default is added
    # without copying `people`; every existing record starts at version 1.
    op.add_column(
        "people",
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
    )


def downgrade() -> None:
    op.drop_column("people", "version")
