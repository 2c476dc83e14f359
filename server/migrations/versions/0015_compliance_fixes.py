"""compliance fixes: generated plan events follow the holiday schedule

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 18:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    # rule_date: the activity-day plan's rule date an event was generated for (null: not from the
    # plan); edited_by_hand: a person changed its date or time, so the calendar no longer moves it.
    # Events generated before this migration have no rule_date: they stay where they are.
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rule_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('edited_by_hand', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('edited_by_hand')
        batch_op.drop_column('rule_date')
