"""The migrations build the schema the models describe: after `migrate`, alembic's comparison
of the database with the models finds no table or column missing on either side (types and
indexes aside: the databases name them differently)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from hotline.store import Base

# Tables the database holds that no model maps: the SIP edge's (Kamailio reads and writes them),
# and the full-text indexes: SQLite's tables with their shadow tables, PostgreSQL's tsvector
# columns (knowledge base, transcripts).
NOT_MAPPED = {"sip_locations", "edge_table_versions", "alembic_version", "kb_articles.search_vector",
              "kb_articles.title_vector", "tickets.search_text"}
FULL_TEXT = ("kb_fts", "kb_titles", "transcript_fts", "ticket_fts")


async def test_the_migrated_schema_has_every_table_and_column_of_the_models(sessions):
    async with sessions() as s:
        conn = await s.connection()
        diff = await conn.run_sync(lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata))
    kinds = {"add_table", "remove_table", "add_column", "remove_column"}
    found = []
    for change in diff:
        for op in (change if isinstance(change, list) else [change]):
            if op[0] not in kinds:
                continue
            name = op[1].name if op[0].endswith("table") else f"{op[2]}.{op[3].name}"
            table = name.split(".")[0]
            if table not in NOT_MAPPED and name not in NOT_MAPPED and not table.startswith(FULL_TEXT):
                found.append((op[0], name))
    assert found == [], "\n".join(map(str, found))
