"""evaluation: democratic evaluation of members, its roll and sheets, and the anonymous ballot box

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 09:00:00

The ballot box's three tables have no member, no login, no timestamp and no sequence; on SQLite
they are WITHOUT ROWID, so rows are stored in the order of their random keys, not of their arrival.
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

STAGES = ('preparing', 'self_assessment', 'peer_assessment', 'balloting', 'grading', 'review', 'feedback', 'closed')
GRADES = ('excellent', 'qualified', 'basically_qualified', 'unqualified')
HANDLINGS = ('education', 'deadline_improvement', 'persuade_to_leave', 'removal')


def _enum(values, name):
    return sa.Enum(*values, name=name, native_enum=False, length=32)


def upgrade():
    op.create_table('evaluation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('stage', _enum(STAGES, 'evaluationstage'), nullable=False),
    sa.Column('basic_grade_enabled', sa.Boolean(), nullable=False),
    sa.Column('meeting_event_id', sa.Integer(), nullable=True),
    sa.Column('self_assessment_due', sa.Date(), nullable=True),
    sa.Column('teller_member_ids', sa.JSON(), nullable=False),
    sa.Column('ballot_key_n', sa.Text(), nullable=True),
    sa.Column('ballot_key_e', sa.Integer(), nullable=True),
    sa.Column('ballot_key_d', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_evaluation_branch_id_branch')),
    sa.ForeignKeyConstraint(['meeting_event_id'], ['event.id'], name=op.f('fk_evaluation_meeting_event_id_event')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_evaluation_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation')),
    sa.UniqueConstraint('branch_id', 'year', name=op.f('uq_evaluation_branch_id_year'))
    )
    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_branch_id'), ['branch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_meeting_event_id'), ['meeting_event_id'], unique=False)

    op.create_table('evaluation_stage_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('stage', _enum(STAGES, 'evaluationstage'), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name=op.f('fk_evaluation_stage_change_evaluation_id_evaluation')),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_evaluation_stage_change_actor_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_stage_change'))
    )
    with op.batch_alter_table('evaluation_stage_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_stage_change_evaluation_id'), ['evaluation_id'], unique=False)

    op.create_table('evaluation_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('self_assessment', sa.Text(), nullable=True),
    sa.Column('self_assessment_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('self_assessment_by_id', sa.Integer(), nullable=True),
    sa.Column('self_assessment_nonce', sa.String(length=64), nullable=True),
    sa.Column('ballot_issued', _enum(('phone', 'paper'), 'ballotissue'), nullable=True),
    sa.Column('ballot_request_digest', sa.String(length=64), nullable=True),
    sa.Column('grade', _enum(GRADES, 'evaluationgrade'), nullable=True),
    sa.Column('grade_note', sa.String(length=1000), nullable=True),
    sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review', _enum(('pending', 'approved', 'returned'), 'reviewstate'), nullable=True),
    sa.Column('review_reason', sa.String(length=1000), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('handling_kind', _enum(HANDLINGS, 'handlingkind'), nullable=True),
    sa.Column('handling_note', sa.String(length=2000), nullable=True),
    sa.Column('handling_decided_on', sa.Date(), nullable=True),
    sa.Column('handling_event_id', sa.Integer(), nullable=True),
    sa.Column('improve_by', sa.Date(), nullable=True),
    sa.Column('previous_decision_on', sa.Date(), nullable=True),
    sa.Column('feedback', sa.Text(), nullable=True),
    sa.Column('feedback_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name=op.f('fk_evaluation_member_evaluation_id_evaluation')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_evaluation_member_member_id_member')),
    sa.ForeignKeyConstraint(['self_assessment_by_id'], ['user_account.id'], name=op.f('fk_evaluation_member_self_assessment_by_id_user_account')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['user_account.id'], name=op.f('fk_evaluation_member_reviewed_by_id_user_account')),
    sa.ForeignKeyConstraint(['handling_event_id'], ['event.id'], name=op.f('fk_evaluation_member_handling_event_id_event')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_member')),
    sa.UniqueConstraint('evaluation_id', 'member_id', name=op.f('uq_evaluation_member_evaluation_id_member_id'))
    )
    with op.batch_alter_table('evaluation_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_member_evaluation_id'), ['evaluation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_member_member_id'), ['member_id'], unique=False)

    op.create_table('evaluation_ballot',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('marks', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name=op.f('fk_evaluation_ballot_evaluation_id_evaluation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_ballot')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('evaluation_ballot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_ballot_evaluation_id'), ['evaluation_id'], unique=False)

    op.create_table('evaluation_ballot_token',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('kind', _enum(('signed', 'guest', 'paper'), 'tokenkind'), nullable=False),
    sa.Column('used', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name=op.f('fk_evaluation_ballot_token_evaluation_id_evaluation')),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_evaluation_ballot_token')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('evaluation_ballot_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_ballot_token_evaluation_id'), ['evaluation_id'], unique=False)

    op.create_table('evaluation_paper_entry',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('marks', sa.JSON(), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name=op.f('fk_evaluation_paper_entry_evaluation_id_evaluation')),
    sa.ForeignKeyConstraint(['entered_by_id'], ['user_account.id'], name=op.f('fk_evaluation_paper_entry_entered_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_paper_entry')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_evaluation_paper_entry_code_hash')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('evaluation_paper_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_paper_entry_evaluation_id'), ['evaluation_id'], unique=False)


def downgrade():
    for table in ('evaluation_paper_entry', 'evaluation_ballot_token', 'evaluation_ballot', 'evaluation_member',
                  'evaluation_stage_change'):
        op.drop_table(table)
    op.drop_table('evaluation')
