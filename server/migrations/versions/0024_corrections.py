"""corrections: correction requests (整改通知) a committee sends a branch, the branch's answers with
the committee's decisions, and their attachments

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 19:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('correction_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('committee_id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.String(length=32), nullable=True),
    sa.Column('period', sa.String(length=16), nullable=True),
    sa.Column('finding', sa.Text(), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('state', sa.Enum('sent', 'answered', 'accepted', 'returned', name='correctionstate', native_enum=False, length=32), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_correction_request_branch_id_branch')),
    sa.ForeignKeyConstraint(['committee_id'], ['committee.id'], name=op.f('fk_correction_request_committee_id_committee')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_correction_request_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_correction_request'))
    )
    with op.batch_alter_table('correction_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_correction_request_branch_id'), ['branch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_correction_request_committee_id'), ['committee_id'], unique=False)

    op.create_table('correction_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted', sa.Boolean(), nullable=True),
    sa.Column('decision_reason', sa.String(length=1000), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['answered_by_id'], ['user_account.id'], name=op.f('fk_correction_answer_answered_by_id_user_account')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_correction_answer_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['request_id'], ['correction_request.id'], name=op.f('fk_correction_answer_request_id_correction_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_correction_answer'))
    )
    with op.batch_alter_table('correction_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_correction_answer_request_id'), ['request_id'], unique=False)

    op.create_table('correction_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=True),
    sa.Column('path', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['answer_id'], ['correction_answer.id'], name=op.f('fk_correction_attachment_answer_id_correction_answer')),
    sa.ForeignKeyConstraint(['request_id'], ['correction_request.id'], name=op.f('fk_correction_attachment_request_id_correction_request')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_correction_attachment_uploaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_correction_attachment'))
    )
    with op.batch_alter_table('correction_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_correction_attachment_request_id'), ['request_id'], unique=False)


def downgrade():
    with op.batch_alter_table('correction_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_correction_attachment_request_id'))
    op.drop_table('correction_attachment')
    with op.batch_alter_table('correction_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_correction_answer_request_id'))
    op.drop_table('correction_answer')
    with op.batch_alter_table('correction_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_correction_request_committee_id'))
        batch_op.drop_index(batch_op.f('ix_correction_request_branch_id'))
    op.drop_table('correction_request')
