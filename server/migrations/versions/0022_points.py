"""points: the branch's points rules (its own and its featured systems'), its scheme, and
published periods with their snapshots

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 18:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('points_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('cap_per_period', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_points_rule_branch_id_branch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_points_rule')),
    sa.UniqueConstraint('branch_id', 'key', 'source', name=op.f('uq_points_rule_branch_id_key_source'))
    )
    with op.batch_alter_table('points_rule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_points_rule_branch_id'), ['branch_id'], unique=False)

    op.create_table('points_scheme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('publish_every', sa.Enum('quarter', 'year', name='publishevery', native_enum=False, length=32), nullable=False),
    sa.Column('absence_deduction', sa.Integer(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_points_scheme_branch_id_branch')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_points_scheme_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_points_scheme')),
    sa.UniqueConstraint('branch_id', name=op.f('uq_points_scheme_branch_id'))
    )
    op.create_table('points_publication',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=16), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_points_publication_branch_id_branch')),
    sa.ForeignKeyConstraint(['published_by_id'], ['user_account.id'], name=op.f('fk_points_publication_published_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_points_publication')),
    sa.UniqueConstraint('branch_id', 'period', name=op.f('uq_points_publication_branch_id_period'))
    )
    with op.batch_alter_table('points_publication', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_points_publication_branch_id'), ['branch_id'], unique=False)


def downgrade():
    with op.batch_alter_table('points_publication', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_points_publication_branch_id'))

    op.drop_table('points_publication')
    op.drop_table('points_scheme')
    with op.batch_alter_table('points_rule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_points_rule_branch_id'))

    op.drop_table('points_rule')
