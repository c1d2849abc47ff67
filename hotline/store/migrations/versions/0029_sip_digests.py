"""SIP passwords kept as HA1 digests: `sip_passwords.ha1` = MD5(phone:realm:password) in the
realm "hotline" (hotline.security.sip_digest), the clear `password` column converted and dropped.
Asterisk reads the digest (`md5_cred`), the edge's Kamailio too (auth_db, `calculate_ha1 = no`).

On PostgreSQL, the edge's own role (`hotline-edge db-role` creates it) reads only what it needs;
the grants are made by that command, not here (the role may not exist).

Revision ID: 0029
Revises: 0028
"""
import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

REALM = "hotline"  # frozen here: hotline.security.sip_digest.SIP_REALM at the time of this migration


def upgrade() -> None:
    with op.batch_alter_table("sip_passwords") as batch:
        batch.add_column(sa.Column("ha1", sa.String(32), nullable=True))
    table = sa.table("sip_passwords", sa.column("phone", sa.String), sa.column("password", sa.String),
                     sa.column("ha1", sa.String))
    conn = op.get_bind()
    for phone, password in conn.execute(sa.select(table.c.phone, table.c.password)).all():
        digest = hashlib.md5(f"{phone}:{REALM}:{password}".encode()).hexdigest()
        conn.execute(table.update().where(table.c.phone == phone).values(ha1=digest))
    with op.batch_alter_table("sip_passwords") as batch:
        batch.alter_column("ha1", existing_type=sa.String(32), nullable=False)
        batch.drop_column("password")


def downgrade() -> None:
    # The passwords cannot be recovered from their digests: every phone gets an unknown one (the
    # desktops issue new ones at the next login).
    import secrets

    with op.batch_alter_table("sip_passwords") as batch:
        batch.add_column(sa.Column("password", sa.String(100), nullable=True))
    table = sa.table("sip_passwords", sa.column("phone", sa.String), sa.column("password", sa.String))
    conn = op.get_bind()
    for (phone,) in conn.execute(sa.select(table.c.phone)).all():
        conn.execute(table.update().where(table.c.phone == phone).values(password=secrets.token_urlsafe(24)))
    with op.batch_alter_table("sip_passwords") as batch:
        batch.alter_column("password", existing_type=sa.String(100), nullable=False)
        batch.drop_column("ha1")
