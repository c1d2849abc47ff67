"""Calls to citizens: callback requests worked from the desktop (status, who took it, attempts,
deadline, outcome), their attempts, outbound calls, callers keeping their place (virtual hold), and survey calls.

Revision ID: 0014
Revises: 0013
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbound_calls",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token", sa.String(40), nullable=False, unique=True),
        sa.Column("purpose", sa.String(10), nullable=False),
        sa.Column("operator_id", sa.String(64), index=True),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id"), index=True),
        sa.Column("callback_id", sa.Integer, sa.ForeignKey("callback_requests.id"), index=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("linkedid", sa.String(64), index=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("dialed_at", sa.DateTime(timezone=True)),
        sa.Column("answered_at", sa.DateTime(timezone=True)),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
    )
    with op.batch_alter_table("callback_requests") as t:
        t.add_column(sa.Column("status", sa.String(12), nullable=False, server_default="open"))
        t.add_column(sa.Column("taken_by", sa.String(64)))
        t.add_column(sa.Column("taken_at", sa.DateTime(timezone=True)))
        t.add_column(sa.Column("attempts", sa.Integer, nullable=False, server_default="0"))
        t.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True)))
        t.add_column(sa.Column("due_at", sa.DateTime(timezone=True)))
        t.add_column(sa.Column("escalated_at", sa.DateTime(timezone=True)))
        t.add_column(sa.Column("outcome", sa.String(16)))
        t.add_column(sa.Column("handled_by", sa.String(64)))
        t.add_column(sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id", name="fk_callback_ticket")))
        t.create_index("ix_callback_requests_status", ["status"])
        t.create_index("ix_callback_requests_due_at", ["due_at"])
    op.create_table(
        "callback_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("request_id", sa.Integer, sa.ForeignKey("callback_requests.id"), nullable=False, index=True),
        sa.Column("operator_id", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("outbound_call_id", sa.Integer, sa.ForeignKey("outbound_calls.id")),
        sa.Column("note", sa.String(500), nullable=False, server_default=""),
    )
    # Requests stored before this revision were never handled: they enter the work list.
    op.create_table(
        "survey_calls",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id"), nullable=False, index=True),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("status", sa.String(12), nullable=False, index=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("rating", sa.Integer),
        sa.Column("dial_status", sa.String(20)),
        sa.Column("sms_sent", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("called_at", sa.DateTime(timezone=True)),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "virtual_holds",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("caller_number", sa.String(32), nullable=False, index=True),
        sa.Column("queue", sa.String(40), nullable=False),
        sa.Column("topic", sa.String(40)),
        sa.Column("ivr_path", sa.String(100), nullable=False, server_default=""),
        sa.Column("linkedid", sa.String(64)),
        sa.Column("position", sa.Integer, nullable=False, server_default="1"),
        sa.Column("status", sa.String(12), nullable=False, index=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True)),
        sa.Column("placeholder_linkedid", sa.String(64), index=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("callback_id", sa.Integer, sa.ForeignKey("callback_requests.id")),
    )


def downgrade() -> None:
    op.drop_table("survey_calls")
    op.drop_table("virtual_holds")
    op.drop_table("callback_attempts")
    with op.batch_alter_table("callback_requests") as t:
        t.drop_index("ix_callback_requests_due_at")
        t.drop_index("ix_callback_requests_status")
        for c in ("ticket_id", "handled_by", "outcome", "escalated_at", "due_at", "next_attempt_at", "attempts",
                  "taken_at", "taken_by", "status"):
            t.drop_column(c)
    op.drop_table("outbound_calls")
