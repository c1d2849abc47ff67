"""Accounts for real: forced password change, last login, failed-login count and lock-out,
disabling time; SIP passwords issued per desktop session (never in a file in the repository).

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as t:
        t.add_column(sa.Column("must_change_password", sa.Boolean, nullable=False, server_default=sa.false()))
        t.add_column(sa.Column("password_changed_at", sa.DateTime(timezone=True)))
        t.add_column(sa.Column("last_login_at", sa.DateTime(timezone=True)))
        t.add_column(sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"))
        t.add_column(sa.Column("locked_until", sa.DateTime(timezone=True)))
        t.add_column(sa.Column("disabled_at", sa.DateTime(timezone=True)))
    op.create_table(
        "sip_passwords",
        sa.Column("phone", sa.String(40), primary_key=True),  # the SIP endpoint (operator_id)
        sa.Column("password", sa.String(100), nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),  # issued to
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sip_passwords")
    with op.batch_alter_table("users") as t:
        for c in ("disabled_at", "locked_until", "failed_logins", "last_login_at", "password_changed_at",
                  "must_change_password"):
            t.drop_column(c)
