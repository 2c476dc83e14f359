"""committee_tree: reserved (filled in by the committee_tree feature, or left a no-op)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02 19:00:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
