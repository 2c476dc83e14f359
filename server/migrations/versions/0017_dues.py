"""dues: members' bases, payments by month (unique per member and month), corrections,
remittances, publications; existing `dues` records converted into payments

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 09:00:00

The conversion: every record of kind `dues` becomes a payment of its member for the month of its
`occurred_on` (the amount paid, counted as that month's due: the basis of those days is not
known), `source` "migrated", linked by `record_id`. The records themselves stay as they are (the
member's archive; nothing is deleted). Two records of one member and month cannot both be that
month's payment (the unique (member, month)): the first by date and id is kept, and each other
one is noted on it ("同月另有党费记实#…未计入"), so the conversion never fails and nothing is
silently dropped (docs/decisions.md).
"""
import datetime as dt

from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

CHINA = dt.timezone(dt.timedelta(hours=8))


def upgrade():
    op.create_table('dues_basis',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.Enum('employed', 'retired', 'student', 'unemployed', 'rural', 'exempt', 'branch_set', name='duescategory', native_enum=False, length=32), nullable=False),
    sa.Column('income_fen', sa.Integer(), nullable=True),
    sa.Column('monthly_fen', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('decision_note', sa.String(length=500), nullable=True),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_dues_basis_member_id_member')),
    sa.ForeignKeyConstraint(['set_by_id'], ['user_account.id'], name=op.f('fk_dues_basis_set_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dues_basis'))
    )
    with op.batch_alter_table('dues_basis', schema=None) as batch_op:
        batch_op.create_index('ix_dues_basis_member_id_effective_from', ['member_id', 'effective_from'], unique=False)

    op.create_table('dues_publication',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('mode', sa.Enum('per_member', 'totals', name='publicationmode', native_enum=False, length=32), nullable=False),
    sa.Column('table', sa.JSON(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_dues_publication_branch_id_branch')),
    sa.ForeignKeyConstraint(['published_by_id'], ['user_account.id'], name=op.f('fk_dues_publication_published_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dues_publication'))
    )
    with op.batch_alter_table('dues_publication', schema=None) as batch_op:
        batch_op.create_index('ix_dues_publication_branch_id_year', ['branch_id', 'year'], unique=False)

    op.create_table('dues_remittance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('first_month', sa.Date(), nullable=False),
    sa.Column('last_month', sa.Date(), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('collected_fen', sa.Integer(), nullable=False),
    sa.Column('remitted_on', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('confirm_note', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_dues_remittance_branch_id_branch')),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['user_account.id'], name=op.f('fk_dues_remittance_confirmed_by_id_user_account')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_dues_remittance_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dues_remittance'))
    )
    with op.batch_alter_table('dues_remittance', schema=None) as batch_op:
        batch_op.create_index('ix_dues_remittance_branch_id_first_month', ['branch_id', 'first_month'], unique=False)

    op.create_table('dues_payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('months', sa.String(length=95), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('due_fen', sa.Integer(), nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_dues_payment_branch_id_branch')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_dues_payment_member_id_member')),
    sa.ForeignKeyConstraint(['record_id'], ['record.id'], name=op.f('fk_dues_payment_record_id_record')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_dues_payment_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dues_payment')),
    sa.UniqueConstraint('nonce', name=op.f('uq_dues_payment_nonce'))
    )
    with op.batch_alter_table('dues_payment', schema=None) as batch_op:
        batch_op.create_index('ix_dues_payment_branch_id_paid_on', ['branch_id', 'paid_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_dues_payment_member_id'), ['member_id'], unique=False)

    op.create_table('dues_payment_correction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('corrected_by_id', sa.Integer(), nullable=True),
    sa.Column('corrected_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('old_values', sa.JSON(), nullable=False),
    sa.Column('new_values', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['corrected_by_id'], ['user_account.id'], name=op.f('fk_dues_payment_correction_corrected_by_id_user_account')),
    sa.ForeignKeyConstraint(['payment_id'], ['dues_payment.id'], name=op.f('fk_dues_payment_correction_payment_id_dues_payment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dues_payment_correction'))
    )
    with op.batch_alter_table('dues_payment_correction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dues_payment_correction_payment_id'), ['payment_id'], unique=False)

    op.create_table('dues_payment_month',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('due_fen', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_dues_payment_month_member_id_member')),
    sa.ForeignKeyConstraint(['payment_id'], ['dues_payment.id'], name=op.f('fk_dues_payment_month_payment_id_dues_payment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dues_payment_month')),
    sa.UniqueConstraint('member_id', 'month', name='uq_dues_payment_month_member_month')
    )
    with op.batch_alter_table('dues_payment_month', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dues_payment_month_payment_id'), ['payment_id'], unique=False)

    _convert_dues_records()


def _convert_dues_records():
    conn = op.get_bind()
    sqlite = conn.dialect.name == "sqlite"
    stamp = sa.DateTime(timezone=True)
    record = sa.table("record", sa.column("id", sa.Integer), sa.column("member_id", sa.Integer),
                      sa.column("branch_id", sa.Integer), sa.column("kind", sa.String),
                      sa.column("occurred_on", sa.Date), sa.column("amount_fen", sa.Integer),
                      sa.column("title", sa.String), sa.column("created_by_id", sa.Integer),
                      sa.column("created_at", stamp))
    payment = sa.table("dues_payment", sa.column("id", sa.Integer), sa.column("nonce", sa.String),
                       sa.column("member_id", sa.Integer), sa.column("branch_id", sa.Integer),
                       sa.column("months", sa.String), sa.column("amount_fen", sa.Integer),
                       sa.column("due_fen", sa.Integer), sa.column("paid_at", stamp), sa.column("paid_on", sa.Date),
                       sa.column("received_at", stamp), sa.column("recorded_by_id", sa.Integer),
                       sa.column("source", sa.String), sa.column("record_id", sa.Integer),
                       sa.column("note", sa.String), sa.column("updated_at", stamp))
    month_row = sa.table("dues_payment_month", sa.column("payment_id", sa.Integer), sa.column("member_id", sa.Integer),
                         sa.column("month", sa.Date), sa.column("due_fen", sa.Integer),
                         sa.column("amount_fen", sa.Integer))
    rows = conn.execute(sa.select(record).where(record.c.kind == "dues")
                        .order_by(record.c.occurred_on, record.c.id)).all()
    kept = {}  # (member, month) -> [payment id, note]
    for r in rows:
        month = r.occurred_on.replace(day=1)
        amount = r.amount_fen or 0
        key = (r.member_id, month)
        if key in kept:
            note = kept[key][1] + (f"；同月另有党费记实#{r.id}（{amount / 100:.2f}元，{r.occurred_on.isoformat()}）"
                                   "未计入")
            kept[key][1] = note[:500]
            continue
        noon = dt.datetime.combine(r.occurred_on, dt.time(12), CHINA).astimezone(dt.timezone.utc)
        nonce = f"migrated-record-{r.id}"
        note = f"由党费记实#{r.id}转换：{r.title}"[:500]
        conn.execute(payment.insert().values(
            nonce=nonce, member_id=r.member_id, branch_id=r.branch_id, months=f"{month:%Y-%m}", amount_fen=amount,
            due_fen=amount, paid_at=noon.replace(tzinfo=None) if sqlite else noon, paid_on=r.occurred_on,
            received_at=r.created_at, recorded_by_id=r.created_by_id, source="migrated", record_id=r.id,
            note=note, updated_at=r.created_at))
        payment_id = conn.execute(sa.select(payment.c.id).where(payment.c.nonce == nonce)).scalar_one()
        conn.execute(month_row.insert().values(payment_id=payment_id, member_id=r.member_id, month=month,
                                               due_fen=amount, amount_fen=amount))
        kept[key] = [payment_id, note]
    for payment_id, note in kept.values():
        conn.execute(payment.update().where(payment.c.id == payment_id).values(note=note))


def downgrade():
    with op.batch_alter_table('dues_payment_month', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dues_payment_month_payment_id'))

    op.drop_table('dues_payment_month')
    with op.batch_alter_table('dues_payment_correction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dues_payment_correction_payment_id'))

    op.drop_table('dues_payment_correction')
    with op.batch_alter_table('dues_payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dues_payment_member_id'))
        batch_op.drop_index('ix_dues_payment_branch_id_paid_on')

    op.drop_table('dues_payment')
    with op.batch_alter_table('dues_remittance', schema=None) as batch_op:
        batch_op.drop_index('ix_dues_remittance_branch_id_first_month')

    op.drop_table('dues_remittance')
    with op.batch_alter_table('dues_publication', schema=None) as batch_op:
        batch_op.drop_index('ix_dues_publication_branch_id_year')

    op.drop_table('dues_publication')
    with op.batch_alter_table('dues_basis', schema=None) as batch_op:
        batch_op.drop_index('ix_dues_basis_member_id_effective_from')

    op.drop_table('dues_basis')
