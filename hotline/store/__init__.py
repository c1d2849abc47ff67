"""The store: tables (one module per domain), the engine and the schema migrations.

Every other part of the hotline reads and writes the database through these modules; this package
imports nothing of the hotline but itself, so the domain packages above it never import each other
for a table."""

# One metadata: every table module is imported here.
from hotline.store import accounts, agencies, callbacks, calls, conversations, knowledge, leases, office  # noqa: F401
from hotline.store import open311, outbox, platform_tokens  # noqa: F401
from hotline.store import privacy, recordings, reports, reviews, scorecards, tickets  # noqa: F401
from hotline.store.base import Base

__all__ = ["Base"]
