"""A secret per ticket for the citizen's look-up link (`/p/{secret}`, in every receipt): 96
random bits; every ticket already there gets its own.

Revision ID: 0032
Revises: 0031
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("public_secret", sa.String(24), nullable=True))
    bind = op.get_bind()
    tickets = sa.table("tickets", sa.column("id", sa.Integer), sa.column("public_secret", sa.String))
    ids = [row.id for row in bind.execute(sa.select(tickets.c.id).where(tickets.c.public_secret.is_(None)))]
    for start in range(0, len(ids), 1000):
        bind.execute(tickets.update().where(tickets.c.id == sa.bindparam("ticket_id"))
                     .values(public_secret=sa.bindparam("secret")),
                     [{"ticket_id": i, "secret": secrets.token_urlsafe(12)} for i in ids[start:start + 1000]])
    op.create_index("uq_tickets_public_secret", "tickets", ["public_secret"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_tickets_public_secret", "tickets")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("public_secret")
