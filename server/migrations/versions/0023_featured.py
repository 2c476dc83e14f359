"""featured: a branch's adoptions of featured-system templates (X), one open per branch and template

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 18:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('branch_featured_system',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('template_code', sa.String(length=64), nullable=False),
    sa.Column('adopted_on', sa.Date(), nullable=False),
    sa.Column('adopted_by_id', sa.Integer(), nullable=True),
    sa.Column('dropped_on', sa.Date(), nullable=True),
    sa.Column('dropped_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['adopted_by_id'], ['user_account.id'], name=op.f('fk_branch_featured_system_adopted_by_id_user_account')),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_branch_featured_system_branch_id_branch')),
    sa.ForeignKeyConstraint(['dropped_by_id'], ['user_account.id'], name=op.f('fk_branch_featured_system_dropped_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_branch_featured_system'))
    )
    with op.batch_alter_table('branch_featured_system', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_branch_featured_system_branch_id'), ['branch_id'], unique=False)
        batch_op.create_index('uq_branch_featured_system_open', ['branch_id', 'template_code'], unique=True, sqlite_where=sa.text('dropped_on IS NULL'), postgresql_where=sa.text('dropped_on IS NULL'))


def downgrade():
    with op.batch_alter_table('branch_featured_system', schema=None) as batch_op:
        batch_op.drop_index('uq_branch_featured_system_open', sqlite_where=sa.text('dropped_on IS NULL'), postgresql_where=sa.text('dropped_on IS NULL'))
        batch_op.drop_index(batch_op.f('ix_branch_featured_system_branch_id'))

    op.drop_table('branch_featured_system')
