"""secretary_review: the branch secretary's annual review (述职评议) of a year, its generated facts,
the secretary's sections and the committee's grade

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02 19:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('secretary_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('secretary_id', sa.Integer(), nullable=False),
    sa.Column('facts', sa.JSON(), nullable=False),
    sa.Column('sections', sa.JSON(), nullable=False),
    sa.Column('state', sa.Enum('draft', 'submitted', 'returned', 'graded', name='reviewstate', native_enum=False, length=32), nullable=False),
    sa.Column('grade', sa.Enum('good', 'fairly_good', 'average', 'poor', name='reviewgrade', native_enum=False, length=32), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('return_reason', sa.Text(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_secretary_review_branch_id_branch')),
    sa.ForeignKeyConstraint(['secretary_id'], ['member.id'], name=op.f('fk_secretary_review_secretary_id_member')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['user_account.id'], name=op.f('fk_secretary_review_reviewed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_secretary_review')),
    sa.UniqueConstraint('branch_id', 'year', name=op.f('uq_secretary_review_branch_id_year'))
    )
    with op.batch_alter_table('secretary_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_secretary_review_branch_id'), ['branch_id'], unique=False)


def downgrade():
    with op.batch_alter_table('secretary_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_secretary_review_branch_id'))

    op.drop_table('secretary_review')
