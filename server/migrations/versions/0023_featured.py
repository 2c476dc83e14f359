"""featured: reserved (filled in by the featured feature)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 18:00:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
