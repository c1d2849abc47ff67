"""Data requests keep keyed hashes of the citizen's identifiers (phone, e-mail, platform user id)
and a masked hint for the office's list; the identifiers themselves only while they are needed
(an open request; an access request's dossier until the citizen's erasure). The phone's index
goes (an index on a number is another copy of it).

The hashes are keyed with the installation's secret (`<home>/privacy-key`), which a migration
does not see: `hotline.privacy.requests.DataRequests.prepare` hashes the rows of earlier versions
at start (idempotent) and clears what is no longer needed.

Revision ID: 0027
Revises: 0026
"""
import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("data_requests") as t:
        t.drop_index("ix_data_requests_phone")
        t.add_column(sa.Column("platform_id", sa.String(200)))
        t.add_column(sa.Column("phone_hash", sa.String(64)))
        t.add_column(sa.Column("email_hash", sa.String(64)))
        t.add_column(sa.Column("platform_hash", sa.String(64)))
        t.add_column(sa.Column("hint", sa.String(300), nullable=False, server_default=""))
        t.create_index("ix_data_requests_phone_hash", ["phone_hash"])
        t.create_index("ix_data_requests_email_hash", ["email_hash"])
        t.create_index("ix_data_requests_platform_hash", ["platform_hash"])


def downgrade() -> None:
    with op.batch_alter_table("data_requests") as t:
        t.drop_index("ix_data_requests_platform_hash")
        t.drop_index("ix_data_requests_email_hash")
        t.drop_index("ix_data_requests_phone_hash")
        t.drop_column("hint")
        t.drop_column("platform_hash")
        t.drop_column("email_hash")
        t.drop_column("phone_hash")
        t.drop_column("platform_id")
        t.create_index("ix_data_requests_phone", ["phone"])
