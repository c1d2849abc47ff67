"""Errors shared across the project."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError


class Refused(Exception):
    """A request the domain refuses, with the HTTP status that says why (400 bad input, 403 not
    yours, 404 unknown, 409 not now, 502 Asterisk refused) and a message for the user."""

    def __init__(self, status: int, message: str, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code  # a stable id for clients; unset: one derived from the status


class ConfigError(Exception):
    """A configuration file is missing or wrong. The message names the file and the field."""


def format_validation_error(path: Path | str, exc: ValidationError) -> str:
    lines = [f"{path}: invalid configuration"]
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown field (typo?)"
        lines.append(f"  {path}: field '{loc}': {msg}")
    return "\n".join(lines)
