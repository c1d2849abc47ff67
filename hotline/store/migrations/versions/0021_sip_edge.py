"""Several nodes behind the SIP edge: the nodes' heartbeats (`node_heartbeats`, which elect the
node serving the desktops), and the edge's registrar tables: where each operator's softphone is registered (Kamailio's
usrloc, schema version 9, table `sip_locations`) and the table versions Kamailio checks
(`edge_table_versions`, named by the edge's `version_table`).

Revision ID: 0021
Revises: 0020
"""
import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

# Kamailio writes these columns itself: its types and defaults (usrloc-create.sql), not ours.
STAMP = sa.DateTime(timezone=False)


def upgrade() -> None:
    op.create_table(
        "sip_locations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ruid", sa.String(64), nullable=False, server_default="", unique=True),
        sa.Column("username", sa.String(64), nullable=False, server_default=""),
        sa.Column("domain", sa.String(64)),
        sa.Column("contact", sa.String(512), nullable=False, server_default=""),
        sa.Column("received", sa.String(128)),
        sa.Column("path", sa.String(512)),
        sa.Column("expires", STAMP, nullable=False, server_default="2030-05-28 21:32:15"),
        sa.Column("q", sa.Float, nullable=False, server_default="1.0"),
        sa.Column("callid", sa.String(255), nullable=False, server_default="Default-Call-ID"),
        sa.Column("cseq", sa.Integer, nullable=False, server_default="1"),
        sa.Column("last_modified", STAMP, nullable=False, server_default="2000-01-01 00:00:01"),
        sa.Column("flags", sa.Integer, nullable=False, server_default="0"),
        sa.Column("cflags", sa.Integer, nullable=False, server_default="0"),
        sa.Column("user_agent", sa.String(255), nullable=False, server_default=""),
        sa.Column("socket", sa.String(64)),
        sa.Column("methods", sa.Integer),
        sa.Column("instance", sa.String(255)),
        sa.Column("reg_id", sa.Integer, nullable=False, server_default="0"),
        sa.Column("server_id", sa.Integer, nullable=False, server_default="0"),
        sa.Column("connection_id", sa.Integer, nullable=False, server_default="0"),
        sa.Column("keepalive", sa.Integer, nullable=False, server_default="0"),
        sa.Column("partition", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("sip_locations_account_contact", "sip_locations", ["username", "domain", "contact"])
    op.create_index("sip_locations_expires", "sip_locations", ["expires"])
    op.create_index("sip_locations_connection", "sip_locations", ["server_id", "connection_id"])
    versions = op.create_table(
        "edge_table_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("table_name", sa.String(32), nullable=False, unique=True),
        sa.Column("table_version", sa.Integer, nullable=False, server_default="0"),
    )
    op.bulk_insert(versions, [{"table_name": "sip_locations", "table_version": 9}])
    op.create_table(
        "node_heartbeats",
        sa.Column("holder", sa.String(120), primary_key=True),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("node_heartbeats")
    op.drop_table("edge_table_versions")
    op.drop_table("sip_locations")
