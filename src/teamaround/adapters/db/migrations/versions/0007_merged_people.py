"""merged people

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_FK = "fk_people_merged_into_people"


def upgrade() -> None:
    # Not in batch mode: SQLite would copy and drop `people`, which every other table refers
    # to (with foreign keys on, the drop fails). SQLite adds a nullable column with its
    # REFERENCES clause in place (Alembic cannot say so); PostgreSQL adds the constraint after.
    if op.get_context().dialect.name == "sqlite":
        op.execute(
            f"ALTER TABLE people ADD COLUMN merged_into VARCHAR(64) "
            f"CONSTRAINT {_FK} REFERENCES people (id)"
        )
    else:
        op.add_column("people", sa.Column("merged_into", sa.String(length=64), nullable=True))
        op.create_foreign_key(_FK, "people", "people", ["merged_into"], ["id"])
    op.create_index(op.f("ix_people_merged_into"), "people", ["merged_into"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_people_merged_into"), table_name="people")
    if op.get_context().dialect.name != "sqlite":
        op.drop_constraint(_FK, "people", type_="foreignkey")
    op.drop_column("people", "merged_into")
