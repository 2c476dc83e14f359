"""org_life: the org-life meeting of a branch and year (on its event), its preparation (study
links, opinions solicited, heart-to-heart talks, party-spirit analyses with their revisions) and
what is recorded at it (last year's rectification items reviewed, criticism and self-criticism)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 09:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('org_life_meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('problems', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_org_life_meeting_branch_id_branch')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_org_life_meeting_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_org_life_meeting_event_id_event')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_life_meeting')),
    sa.UniqueConstraint('branch_id', 'year', name=op.f('uq_org_life_meeting_branch_id_year')),
    sa.UniqueConstraint('event_id', name=op.f('uq_org_life_meeting_event_id'))
    )
    op.create_table('org_life_analysis',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('on_paper', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['org_life_meeting.id'], name=op.f('fk_org_life_analysis_meeting_id_org_life_meeting')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_org_life_analysis_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_life_analysis')),
    sa.UniqueConstraint('meeting_id', 'member_id', name=op.f('uq_org_life_analysis_meeting_id_member_id'))
    )
    with op.batch_alter_table('org_life_analysis', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_life_analysis_member_id'), ['member_id'], unique=False)

    op.create_table('org_life_criticism',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('self_criticism', sa.String(length=2000), nullable=False),
    sa.Column('criticism_received', sa.String(length=2000), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['org_life_meeting.id'], name=op.f('fk_org_life_criticism_meeting_id_org_life_meeting')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_org_life_criticism_member_id_member')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_org_life_criticism_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_life_criticism')),
    sa.UniqueConstraint('meeting_id', 'member_id', name=op.f('uq_org_life_criticism_meeting_id_member_id'))
    )
    with op.batch_alter_table('org_life_criticism', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_life_criticism_member_id'), ['member_id'], unique=False)

    op.create_table('org_life_opinion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.Enum('symposium', 'questionnaire', 'interview', 'suggestion_box', 'online', 'other', name='opinionmethod', native_enum=False, length=32), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('summary', sa.String(length=2000), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['org_life_meeting.id'], name=op.f('fk_org_life_opinion_meeting_id_org_life_meeting')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_org_life_opinion_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_life_opinion'))
    )
    with op.batch_alter_table('org_life_opinion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_life_opinion_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('org_life_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('done', 'ongoing', 'not_done', name='reviewstatus', native_enum=False, length=32), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['rectification_item.id'], name=op.f('fk_org_life_review_item_id_rectification_item')),
    sa.ForeignKeyConstraint(['meeting_id'], ['org_life_meeting.id'], name=op.f('fk_org_life_review_meeting_id_org_life_meeting')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_org_life_review_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_life_review')),
    sa.UniqueConstraint('meeting_id', 'item_id', name=op.f('uq_org_life_review_meeting_id_item_id'))
    )
    with op.batch_alter_table('org_life_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_life_review_item_id'), ['item_id'], unique=False)

    op.create_table('org_life_study',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['user_account.id'], name=op.f('fk_org_life_study_added_by_id_user_account')),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_org_life_study_event_id_event')),
    sa.ForeignKeyConstraint(['meeting_id'], ['org_life_meeting.id'], name=op.f('fk_org_life_study_meeting_id_org_life_meeting')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_life_study')),
    sa.UniqueConstraint('meeting_id', 'event_id', name=op.f('uq_org_life_study_meeting_id_event_id'))
    )
    op.create_table('org_life_talk',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('member_a_id', sa.Integer(), nullable=False),
    sa.Column('member_b_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('member_a_id <> member_b_id', name=op.f('ck_org_life_talk_two_people')),
    sa.ForeignKeyConstraint(['meeting_id'], ['org_life_meeting.id'], name=op.f('fk_org_life_talk_meeting_id_org_life_meeting')),
    sa.ForeignKeyConstraint(['member_a_id'], ['member.id'], name=op.f('fk_org_life_talk_member_a_id_member')),
    sa.ForeignKeyConstraint(['member_b_id'], ['member.id'], name=op.f('fk_org_life_talk_member_b_id_member')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_org_life_talk_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_life_talk'))
    )
    with op.batch_alter_table('org_life_talk', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_life_talk_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('org_life_analysis_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('analysis_id', sa.Integer(), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('written_by_id', sa.Integer(), nullable=True),
    sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['analysis_id'], ['org_life_analysis.id'], name=op.f('fk_org_life_analysis_revision_analysis_id_org_life_analysis')),
    sa.ForeignKeyConstraint(['written_by_id'], ['user_account.id'], name=op.f('fk_org_life_analysis_revision_written_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_life_analysis_revision')),
    sa.UniqueConstraint('analysis_id', 'nonce', name=op.f('uq_org_life_analysis_revision_analysis_id_nonce'))
    )


def downgrade():
    op.drop_table('org_life_analysis_revision')
    with op.batch_alter_table('org_life_talk', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_life_talk_meeting_id'))

    op.drop_table('org_life_talk')
    op.drop_table('org_life_study')
    with op.batch_alter_table('org_life_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_life_review_item_id'))

    op.drop_table('org_life_review')
    with op.batch_alter_table('org_life_opinion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_life_opinion_meeting_id'))

    op.drop_table('org_life_opinion')
    with op.batch_alter_table('org_life_criticism', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_life_criticism_member_id'))

    op.drop_table('org_life_criticism')
    with op.batch_alter_table('org_life_analysis', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_life_analysis_member_id'))

    op.drop_table('org_life_analysis')
    op.drop_table('org_life_meeting')
