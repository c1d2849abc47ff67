"""The store: tables (one module per domain), the engine and the schema migrations.

Every other part of the hotline reads and writes the database through these modules; this package
imports nothing of the hotline but itself, so the domain packages above it never import each other
for a table."""

from hotline.store import accounts, agencies, callbacks, calls, knowledge, office, outbox, recordings, tickets  # noqa: F401  (one metadata)
from hotline.store.base import Base

__all__ = ["Base"]
