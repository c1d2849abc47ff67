"""Staff two-factor sign-in: TOTP secrets (encrypted), one-use recovery codes (hashed) and sign-ins
waiting for their second factor.

Revision ID: 0028
Revises: 0027
"""
import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "two_factor",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("secret", sa.String(200), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("confirmed_at", TZ),
        sa.Column("last_step", sa.Integer, nullable=False),
    )
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("code_hash", sa.String(200), nullable=False),
        sa.Column("used_at", TZ),
    )
    op.create_table(
        "login_challenges",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("login_challenges")
    op.drop_table("recovery_codes")
    op.drop_table("two_factor")
