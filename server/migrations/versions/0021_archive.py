"""archive: the register of printed member archives (党员手册), the evidence of LOG-archive

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 18:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('archive_print',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('printed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('printed_by_id', sa.Integer(), nullable=True),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_archive_print_member_id_member')),
    sa.ForeignKeyConstraint(['printed_by_id'], ['user_account.id'], name=op.f('fk_archive_print_printed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_archive_print'))
    )
    with op.batch_alter_table('archive_print', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_archive_print_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_archive_print_printed_at'), ['printed_at'], unique=False)


def downgrade():
    with op.batch_alter_table('archive_print', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_archive_print_printed_at'))
        batch_op.drop_index(batch_op.f('ix_archive_print_member_id'))
    op.drop_table('archive_print')
