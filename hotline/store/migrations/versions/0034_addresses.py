"""Addresses as province and commune codes (the structure since 1 July 2025) beside the text as
said; the communes agencies serve; agencies of the retired district level moved to a level of today.

A district agency (the level no longer exists) becomes a province agency when its name says it is
the province's (a department, "Sở ...", or a name with "tỉnh"), else a commune agency: the
district People's Committees' work passed to the communes, and an administrator then names the
communes it serves (until then it is suggested for none). Downgrading keeps the new levels.

Revision ID: 0034
Revises: 0033
"""
import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def level_for_district(name: str) -> str:
    return "province" if re.search(r"(^|\W)(so|tinh)(\W|$)", _folded(name)) else "commune"


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("province_code", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("commune_code", sa.Integer(), nullable=True))
    op.create_index("ix_tickets_commune_code", "tickets", ["commune_code"])
    op.create_table(
        "agency_communes",
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("commune_code", sa.Integer(), primary_key=True),
    )
    op.create_index("ix_agency_communes_commune_code", "agency_communes", ["commune_code"])
    bind = op.get_bind()
    agencies = sa.table("agencies", sa.column("id", sa.Integer), sa.column("name", sa.String),
                        sa.column("level", sa.String))
    for row in bind.execute(sa.select(agencies.c.id, agencies.c.name).where(agencies.c.level == "district")).all():
        bind.execute(agencies.update().where(agencies.c.id == row.id).values(level=level_for_district(row.name)))


def downgrade() -> None:
    op.drop_index("ix_agency_communes_commune_code", "agency_communes")
    op.drop_table("agency_communes")
    op.drop_index("ix_tickets_commune_code", "tickets")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("commune_code")
        batch.drop_column("province_code")
