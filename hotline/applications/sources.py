"""The status source a deployment's settings name."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.applications.http_source import HttpSource
from hotline.applications.status import NoSource, StatusSource
from hotline.applications.table_source import TableSource
from hotline.settings import Applications


def source_of(settings: Applications, sessions: async_sessionmaker) -> StatusSource:
    if settings.source == "http":
        return HttpSource(settings)
    if settings.source == "table":
        return TableSource(sessions)
    return NoSource()
