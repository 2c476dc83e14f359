"""imports: reserved (filled in by the imports feature, or left a no-op)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-02 19:00:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
