"""holiday_schedule: reserved (filled in by the holiday_schedule feature, or left a no-op)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-02 19:00:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
