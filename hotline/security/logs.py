"""The application's log: every record is masked (phone numbers, e-mail addresses, platform user
ids: `hotline.security.masking.mask_text`) before any handler writes it, and the file is rotated
at midnight, keeping `days` files (older ones are deleted). The filter sits on the handlers, so
records of every logger (ours, aiohttp's access log, libraries') pass through it."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from hotline.security.masking import mask_text

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class MaskingFilter(logging.Filter):
    """Masks the record's message (arguments merged) and any exception text it carries."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: keep what was given, masked
            message = f"{record.msg} {record.args}"
        record.msg, record.args = mask_text(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True


def rotating_file(path: Path, days: int) -> logging.Handler:
    """A handler writing `path`, rotated at midnight (UTC), `days` old files kept."""
    if not 1 <= days <= 3650:
        raise ValueError(f"log retention must be 1 to 3650 days, not {days}")
    path.parent.mkdir(parents=True, exist_ok=True)
    return logging.handlers.TimedRotatingFileHandler(path, when="midnight", backupCount=days, encoding="utf-8",
                                                     utc=True)


def configure(log_file: Path, days: int, verbose: bool = False) -> None:
    """The process's logging: the terminal and the rotated file, both masked."""
    masking = MaskingFilter()
    handlers = [logging.StreamHandler(), rotating_file(log_file, days)]
    for h in handlers:
        h.addFilter(masking)
        h.setFormatter(logging.Formatter(FORMAT))
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, handlers=handlers, force=True)
    for noisy in ("aiosqlite", "panoramisk", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def mask_handlers(logger: logging.Logger | None = None) -> None:
    """Put the masking filter on every handler of `logger` (the root by default) that lacks it:
    for processes whose logging was configured elsewhere (tests, embedding)."""
    for h in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, MaskingFilter) for f in h.filters):
            h.addFilter(MaskingFilter())
