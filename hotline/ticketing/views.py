"""The documented shapes of a ticket (docs/desktop-api.md), and only these: every route and every
WebSocket message that shows a ticket builds it here. Times are ISO 8601 in UTC (`iso`); the pages
show them in Asia/Ho_Chi_Minh.

  summary    a call's ticket and the caller's previous tickets (screen pop, draft editing)
  detail     one ticket with its step, deadline, history, files, coordination and allowed actions
  work_item  one line of the hotline's work list and of the overdue list
  inbox_item a ticket as its agency sees it (reporter hidden on a confidential report)
  office_item a ticket as the provincial office sees it (the matter, never the reporter)
  level1_item an operator's direct answer as an agency head follows it in the agency's fields
"""

from __future__ import annotations

from datetime import datetime

from hotline.config.workflow import Step
from hotline.store.base import aware, iso
from hotline.store.tickets import Ticket, TicketEvent
from hotline.places import places

HIDDEN = "(bảo mật)"


def commune_label(code: int | None) -> str | None:
    """'Xã Tân Hồng, Đồng Tháp' for a ticket's commune code."""
    commune = places().commune(code)
    return commune.label if commune else None


def summary(t: Ticket, hide_secret: bool = False) -> dict:
    """`hide_secret`: a state-secret ticket by its code and status only (who may read it opens it
    from the ticket page, where the profile's rule applies)."""
    view = {"id": t.id, "code": t.code, "status": t.status, "draft": t.draft, "topic": t.topic,
            "caller_phone": t.caller_phone, "reporter_name": t.reporter_name, "address": t.address,
            "email": t.email, "content": t.content, "confidential": t.confidential, "linkedid": t.linkedid,
            "operator_id": t.operator_id, "created_at": iso(t.created_at), "commune_code": t.commune_code,
            "commune": commune_label(t.commune_code), "latitude": t.latitude, "longitude": t.longitude}
    if hide_secret and t.state_secret:
        view.update(content=None, address=None, commune_code=None, commune=None, reporter_name=None, email=None,
                    latitude=None, longitude=None, state_secret=True)
    return view


def detail(t: Ticket, step: Step, events: list[TicketEvent], files: list[dict], coordination: list[dict],
           actions: list, transfer_document: bool = False) -> dict:
    return {**summary(t), "stage": t.handling_stage, "stage_text": step.title, "due_at": iso(t.due_at),
            "late": t.late, "agency_id": t.agency_id, "result": t.result, "answer_level": t.answer_level,
            "reason": t.reason, "question": t.question, "rating": t.rating, "channel": t.channel,
            "classification": t.classification, "duplicate_of": t.duplicate_of, "state_secret": t.state_secret,
            "published_at": iso(t.published_at),
            "history": [{"at": iso(e.at), "actor": e.actor, "action": e.action, "detail": e.detail or {}}
                        for e in events],
            "attachments": files, "coordination": coordination, "actions": actions,
            "transfer_document": transfer_document}


def work_item(t: Ticket, step: Step, now: datetime, agency_name: str | None = None) -> dict:
    due = aware(t.due_at)
    return {"id": t.id, "code": t.code, "channel": t.channel, "topic": t.topic, "status": t.status,
            "stage": t.handling_stage, "stage_text": step.title, "content": (t.content or "")[:200],
            "due_at": iso(due), "reason": t.reason, "overdue": bool(due and due < now),
            "agency_id": t.agency_id, "agency_name": agency_name, "created_at": iso(t.created_at)}


def inbox_item(t: Ticket, step: Step, now: datetime, files: list[dict], asked: list[dict], actions: list,
               may_coordinate: bool, letter: bool, anonymous: bool = False, transfer_document: bool = False) -> dict:
    """The reporter's details are there to answer the citizen, except on a confidential report
    (identity kept by the hotline) and for agencies the profile keeps identities from (`anonymous`)."""
    hide = t.confidential or anonymous
    due = aware(t.due_at)
    open_ = step.holder in ("agency", "leader")
    return {"id": t.id, "code": t.code, "topic": t.topic, "channel": t.channel, "content": t.content,
            "reporter_name": HIDDEN if hide else t.reporter_name,
            "caller_phone": HIDDEN if hide else t.caller_phone,
            "address": HIDDEN if hide else t.address, "email": HIDDEN if hide else t.email,
            "confidential": t.confidential, "stage": t.handling_stage, "stage_text": step.title,
            "status": t.status, "due_at": iso(due),
            "overdue": t.status == "overdue" or bool(open_ and due and due < now),
            "late": t.late, "created_at": iso(t.created_at), "transferred_at": iso(t.transferred_at),
            "result": t.result, "answered_at": iso(t.answered_at), "reason": t.reason, "question": t.question,
            "attachments": files, "actions": actions, "coordination": list(asked),
            "may_coordinate": may_coordinate, "letter": letter, "transfer_document": transfer_document}


def office_item(t: Ticket, step: Step, now: datetime, agency_name: str | None, letters: int = 0,
                actions: list | None = None) -> dict:
    """The office decides on the matter and the agency's conduct; who reported it is not its
    business (no name, phone, address or e-mail), and a state-secret matter shows its code only."""
    due = aware(t.due_at)
    secret = t.state_secret
    return {"id": t.id, "code": t.code, "topic": t.topic, "channel": t.channel,
            "content": None if secret else t.content, "state_secret": secret, "stage": t.handling_stage,
            "stage_text": step.title, "status": t.status, "late": t.late, "due_at": iso(due),
            "overdue": bool(due and due < now) or t.status == "overdue", "agency_id": t.agency_id,
            "agency_name": agency_name, "created_at": iso(t.created_at), "transferred_at": iso(t.transferred_at),
            "stage_entered_at": iso(t.stage_entered_at), "reason": None if secret else t.reason,
            "letters": letters, "actions": actions or []}


def level1_item(t: Ticket) -> dict:
    """What the hotline answered at level 1 in an agency's field: the question and the answer, so
    the head can correct the information at its source; not who asked."""
    return {"id": t.id, "code": t.code, "topic": t.topic, "channel": t.channel, "content": t.content,
            "result": t.result, "answered_at": iso(t.answered_at), "answered_by": t.answered_by,
            "created_at": iso(t.created_at)}
