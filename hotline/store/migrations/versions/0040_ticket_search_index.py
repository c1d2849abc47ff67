"""An index for the staff's ticket search on SQLite (code, report text and scanned letters, any
part of a word, without diacritics), which read and folded every ticket's text at each search
(1.1 s over 100,000 tickets when nothing matched). Trigrams, so that a part of a code or a word
is found as before: an FTS5 table with the trigram tokenizer, a row per ticket holding its folded
code, text and letters (hotline_fold(), which every connection of hotline.store.db has), kept by
triggers; read newest first, it stops at the page's last hit. PostgreSQL: nothing yet.

Revision ID: 0040
Revises: 0039
"""
from alembic import op

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


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("insert", "update", "delete", "letters_insert", "letters_update", "letters_delete"):
            op.execute(f"DROP TRIGGER ticket_fts_{name}")
        op.execute("DROP TABLE ticket_fts")
