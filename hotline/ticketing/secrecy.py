"""What the system keeps of a state-secret matter, by the profile's `state_secret_storage`:
everything, readable only by the roles the profile names (`restricted`), or only the record that
it was received and referred (`minimal`, Thanh Hóa Art. 13.2: the answer is handled and managed
under the secrecy regime, not entered in the system). Plain functions, no I/O."""

from __future__ import annotations

from hotline.errors import Refused

WITHHELD = "(Nội dung thuộc bí mật nhà nước: xử lý theo chế độ mật, không lưu trên hệ thống)"
PERSONAL = ("reporter_name", "caller_phone", "address", "email")
TEXTS = ("result", "reason", "question", "note")


def may_see(readers, role: str, state_secret: bool) -> bool:
    """The access rule of state secrets: a matter that is one (a ticket, a conversation linked to
    it, anything said about either) is seen only by the roles in the profile's
    `state_secret_readers` (`readers`)."""
    return not state_secret or role in readers


def minimal(profile, t=None, fields: dict | None = None) -> bool:
    """Whether this matter keeps only the minimal record (a ticket, or a new report's fields)."""
    secret = t.state_secret if t is not None else bool((fields or {}).get("state_secret"))
    return secret and profile.state_secret_storage == "minimal"


def stored_fields(profile, fields: dict) -> dict:
    """A new report's fields as they are stored: without content or reporter under `minimal`."""
    if not minimal(profile, fields=fields):
        return fields
    return {**fields, "content": WITHHELD, **{k: None for k in PERSONAL}}


def stored_payload(profile, t, payload) -> None:
    """An action's texts (result, reason, question, note) as they are stored on a minimal record."""
    if minimal(profile, t):
        for key in TEXTS:
            if getattr(payload, key) is not None:
                setattr(payload, key, WITHHELD)


def refuse_details(profile, t, what: str) -> None:
    """Files and edits of a minimal record's details are refused, with the reason."""
    if minimal(profile, t):
        raise Refused(409, f"Phản ánh thuộc bí mật nhà nước được xử lý theo chế độ mật: không lưu {what} trên hệ thống")
