"""the admin role on users

Revision ID: 3f1c2a9b7d4e
Revises: ac9c208578e8
Create Date: 2026-11-26 12:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3f1c2a9b7d4e'
down_revision = 'ac9c208578e8'
branch_labels = None
depends_on = None


def upgrade():
    # Existing users get no role: an operator grants it (`flask --app wsgi admin grant`).
    op.add_column('user', sa.Column('is_admin', sa.Boolean(), nullable=False,
                                    server_default=sa.false()))


def downgrade():
    # A plain DROP COLUMN (SQLite >= 3.35 has it): batch mode would rebuild the table and
    # lose the expression index ix_user_username_lower, which it cannot reflect.
    op.drop_column('user', 'is_admin')
