"""Agencies and their people, transfers of calls, ticket history, the SMS outbox; a ticket's
handling unit, assignee and deadline.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agencies",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("fields", sa.String(500), nullable=False),
        sa.Column("phone", sa.String(20)),
        sa.Column("route", sa.String(32), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "agency_contacts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("agency_id", sa.Integer, sa.ForeignKey("agencies.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
    )
    with op.batch_alter_table("tickets") as t:
        t.add_column(sa.Column("agency_id", sa.Integer, sa.ForeignKey("agencies.id", name="fk_tickets_agency")))
        t.add_column(sa.Column("assignee_contact_id", sa.Integer,
                               sa.ForeignKey("agency_contacts.id", name="fk_tickets_assignee")))
        t.add_column(sa.Column("due_at", sa.DateTime(timezone=True)))
        t.create_index("ix_tickets_agency_id", ["agency_id"])
        t.create_index("ix_tickets_due_at", ["due_at"])
    op.create_table(
        "transfers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id"), index=True),
        sa.Column("linkedid", sa.String(64), nullable=False, index=True),
        sa.Column("operator_id", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("agency_id", sa.Integer, sa.ForeignKey("agencies.id")),
        sa.Column("agency_name", sa.String(200)),
        sa.Column("target", sa.String(20)),
        sa.Column("number", sa.String(20)),
        sa.Column("queue", sa.String(40)),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True)),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.Column("slip_sent_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "ticket_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id"), nullable=False, index=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(60), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_table(
        "sms_outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("to_number", sa.String(20), nullable=False, index=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("purpose", sa.String(30), nullable=False),
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id"), index=True),
        sa.Column("status", sa.String(10), nullable=False, index=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(500)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
    )


def downgrade() -> None:
    op.drop_table("sms_outbox")
    op.drop_table("ticket_events")
    op.drop_table("transfers")
    with op.batch_alter_table("tickets") as t:
        t.drop_index("ix_tickets_due_at")
        t.drop_index("ix_tickets_agency_id")
        for c in ("due_at", "assignee_contact_id", "agency_id"):
            t.drop_column(c)
    op.drop_table("agency_contacts")
    op.drop_table("agencies")
