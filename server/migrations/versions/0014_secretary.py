"""the secretary's actions: cancelled events, notice reads, leave decisions, filings, rectification, roster

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 18:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('leave_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decision_reason', sa.String(length=500), nullable=True))
    with op.batch_alter_table('filing', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refiles_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_filing_refiles_id_filing'), 'filing', ['refiles_id'], ['id'])
        batch_op.create_unique_constraint(batch_op.f('uq_filing_refiles_id'), ['refiles_id'])
    with op.batch_alter_table('rectification_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assignee_member_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('announcement', sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column('announced_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_rectification_item_assignee_member_id_member'), 'member',
                                    ['assignee_member_id'], ['id'])
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('work_sector', sa.String(length=50), nullable=True))


def downgrade():
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_column('work_sector')
    with op.batch_alter_table('rectification_item', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_rectification_item_assignee_member_id_member'), type_='foreignkey')
        batch_op.drop_column('announced_at')
        batch_op.drop_column('announcement')
        batch_op.drop_column('assignee_member_id')
    with op.batch_alter_table('filing', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_filing_refiles_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_filing_refiles_id_filing'), type_='foreignkey')
        batch_op.drop_column('refiles_id')
    with op.batch_alter_table('leave_request', schema=None) as batch_op:
        batch_op.drop_column('decision_reason')
