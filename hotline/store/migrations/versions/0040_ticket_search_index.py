"""Indexes for the staff's ticket search (code, report text and scanned letters, any part of a
word, without diacritics): it read every ticket's text at each search (2.3 s over 100,000
tickets on SQLite). Trigrams, so that a part of a code or a word is found as before.

SQLite: an FTS5 table with the trigram tokenizer, a row per ticket holding its folded code, text
and letters (hotline_fold(), which every connection of hotline.store.db has), kept by triggers;
read newest first, it stops at the page's last hit. PostgreSQL: pg_trgm GIN indexes on
the same folded expressions the search uses.

Revision ID: 0040
Revises: 0039
"""
from alembic import op

from hotline.folding import SQL_FROM, SQL_TO

revision = "0040"
down_revision = "0039"
branch_labels = None
depends_on = None

# A ticket's row: its code, its text and its scanned letters' text (folded), kept by triggers.
LETTERS = ("(SELECT group_concat(text_folded, ' | ') FROM attachments "
           "WHERE ticket_id = {id} AND scan AND text_folded IS NOT NULL)")
TICKET_ROW = f"(new.id, hotline_fold(new.code), hotline_fold(new.content), {LETTERS.format(id='new.id')})"
SQLITE = [
    "CREATE VIRTUAL TABLE ticket_fts USING fts5(code, content, letters, tokenize = 'trigram')",
    f"CREATE TRIGGER ticket_fts_insert AFTER INSERT ON tickets BEGIN "
    f"INSERT INTO ticket_fts(rowid, code, content, letters) VALUES {TICKET_ROW}; END",
    f"CREATE TRIGGER ticket_fts_update AFTER UPDATE OF code, content ON tickets BEGIN "
    f"DELETE FROM ticket_fts WHERE rowid = old.id; "
    f"INSERT INTO ticket_fts(rowid, code, content, letters) VALUES {TICKET_ROW}; END",
    "CREATE TRIGGER ticket_fts_delete AFTER DELETE ON tickets BEGIN "
    "DELETE FROM ticket_fts WHERE rowid = old.id; END",
    # A scanned letter recognised, changed or removed: its ticket's letters again.
    *(f"CREATE TRIGGER ticket_fts_letters_{when} AFTER {event} ON attachments BEGIN "
      f"UPDATE ticket_fts SET letters = {LETTERS.format(id=row + '.ticket_id')} WHERE rowid = {row}.ticket_id; END"
      for when, event, row in (("insert", "INSERT", "new"), ("update", "UPDATE OF text_folded, scan", "new"),
                               ("delete", "DELETE", "old"))),
    "INSERT INTO ticket_fts(rowid, code, content, letters) SELECT id, hotline_fold(code), hotline_fold(content), "
    f"{LETTERS.format(id='tickets.id')} FROM tickets",
]
# The search's expressions, constants written out so that the planner matches them to the index.
# translate() first: lower() folds only ASCII under a "C" locale, and translate() leaves ASCII.
CONTENT = f"lower(translate(content, '{SQL_FROM}', '{SQL_TO}'))"
POSTGRESQL = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",  # a trusted extension: the database's owner may add it
    f"CREATE INDEX ix_tickets_content_trgm ON tickets USING gin ({CONTENT} gin_trgm_ops)",
    "CREATE INDEX ix_tickets_code_trgm ON tickets USING gin (lower(code) gin_trgm_ops)",
    "CREATE INDEX ix_attachments_text_trgm ON attachments USING gin (text_folded gin_trgm_ops)",
]


def upgrade() -> None:
    for statement in SQLITE if op.get_bind().dialect.name == "sqlite" else POSTGRESQL:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("insert", "update", "delete", "letters_insert", "letters_update", "letters_delete"):
            op.execute(f"DROP TRIGGER ticket_fts_{name}")
        op.execute("DROP TABLE ticket_fts")
    else:
        for name in ("ix_tickets_content_trgm", "ix_tickets_code_trgm", "ix_attachments_text_trgm"):
            op.execute(f"DROP INDEX {name}")
