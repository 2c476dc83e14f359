"""cache generations: two values that database triggers change whenever what a worker caches
changes (server/core/cache.py): `access` for accounts, members, posts, floating memberships,
branches' committees and the committee tree; `event` for events

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-03 07:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None

ACCESS, EVENTS = 1, 2

# (table, generation, the operations that move it). An INSERT that no cache can hold yet (a new
# account, member or event: its id was never looked up) does not; a new branch or committee does
# (a committee's subtree grows), as does a new post or floating membership.
GUARDED = [
    ("user_account", ACCESS, ["UPDATE OF member_id, committee_id, is_active", "DELETE"]),
    ("member", ACCESS, ["UPDATE OF branch_id, left_on", "DELETE"]),
    ("branch", ACCESS, ["INSERT", "UPDATE OF committee_id", "DELETE"]),
    ("committee", ACCESS, ["INSERT", "UPDATE OF parent_id", "DELETE"]),
    ("branch_role", ACCESS, ["INSERT", "UPDATE", "DELETE"]),
    ("floating_membership", ACCESS, ["INSERT", "UPDATE", "DELETE"]),
    ("event", EVENTS, ["UPDATE", "DELETE"]),
]


def _trigger_name(table: str, operation: str) -> str:
    return f"cache_gen_{table}_{operation.split()[0].lower()}"


def upgrade():
    op.create_table('cache_generation',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cache_generation'))
    )
    op.execute(f"INSERT INTO cache_generation (id, value) VALUES ({ACCESS}, 0), ({EVENTS}, 0)")
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        # A random value, never value + 1: see server/core/cache.py. Once per statement.
        op.execute("CREATE FUNCTION cache_generation_move() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   "BEGIN UPDATE cache_generation SET value = floor(random() * 9.2e18)::bigint "
                   "WHERE id = TG_ARGV[0]::int; RETURN NULL; END $$")
    for table, generation, operations in GUARDED:
        for operation in operations:
            name = _trigger_name(table, operation)
            if dialect == "postgresql":
                op.execute(f"CREATE TRIGGER {name} AFTER {operation} ON {table} "
                           f"FOR EACH STATEMENT EXECUTE FUNCTION cache_generation_move({generation})")
            else:
                op.execute(f"CREATE TRIGGER {name} AFTER {operation} ON {table} FOR EACH ROW "
                           f"BEGIN UPDATE cache_generation SET value = random() WHERE id = {generation}; END")


def downgrade():
    dialect = op.get_bind().dialect.name
    for table, _generation, operations in GUARDED:
        for operation in operations:
            name = _trigger_name(table, operation)
            op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if dialect == "postgresql" else ""))
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS cache_generation_move()")
    op.drop_table('cache_generation')
