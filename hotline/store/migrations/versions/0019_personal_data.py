"""Personal data: ticket reads in the audit log, the erasure mark on tickets, citizens' data requests.

Revision ID: 0019
Revises: 0018
"""
import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id", name="fk_audit_log_ticket"),
                                   nullable=True))
        batch.create_index("ix_audit_log_ticket_id", ["ticket_id"])
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("personal_erased_at", TZ, nullable=True))
    op.create_table(
        "data_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("phone", sa.String(20), index=True),
        sa.Column("email", sa.String(200)),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("status", sa.String(10), nullable=False, index=True),
        sa.Column("requested_by", sa.String(60), nullable=False),
        sa.Column("requested_at", TZ, nullable=False),
        sa.Column("done_by", sa.String(60)),
        sa.Column("done_at", TZ),
        sa.Column("result", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("data_requests")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("personal_erased_at")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_index("ix_audit_log_ticket_id")
        batch.drop_column("ticket_id")
