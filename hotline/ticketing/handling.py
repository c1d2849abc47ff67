"""Tickets moving through the profile's workflow, in the store.

Every move (an operator's transfer, an agency's answer or reschedule, a leader's approval, a
citizen's rating, a deadline passing) is one transaction: the ticket's row changes only if its
`version` is still the one the move was decided on (a conditional UPDATE), and the history line
and the SMS go in with it. Two clicks, two tabs, a restart in the middle of a scan, or two scans
racing can therefore never apply a move twice. Due times live in the row; the deadline scan
(`deadline_scan.py`) looks for them at start-up and then periodically, so nothing depends on a
timer surviving. Who is told of a move, and how, is `notices.py`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotline.background import Lease
from hotline.config.profile import Profile
from hotline.errors import Refused
from hotline.settings import SETTINGS_FILE, Settings
from hotline.ticketing import secrecy
from hotline.ticketing.coordination import Coordination
from hotline.ticketing.deadline_scan import DeadlineScan
from hotline.ticketing.notices import Notices, contact_of
from hotline.store.knowledge import ArticleVersion, Citation
from hotline.store.agencies import Agency
from hotline.store.tickets import Attachment, Ticket, TicketEvent
from hotline.documents.issued import Documents
from hotline.documents.signing import load_signers
from hotline.ticketing.result_letter import ResultLetters
from hotline.ticketing.transfer_document import TransferDocuments
from hotline.ticketing.workflow import Move, Workflow, state_of
from hotline.store.tickets import add_event

log = logging.getLogger(__name__)

STAFF_ROLES = {"operator": "operator", "supervisor": "operator", "admin": "operator"}
NEED_NAMES = {"reason": "lý do", "result": "nội dung trả lời", "agency": "cơ quan xử lý", "date": "ngày hẹn",
              "rating": "mức độ hài lòng", "question": "nội dung", "note": "ghi chú"}
RATINGS = {5: "Rất hài lòng", 4: "Hài lòng", 3: "Bình thường", 2: "Không hài lòng", 1: "Rất không hài lòng"}


@dataclass(frozen=True)
class Actor:
    name: str  # username, "system", or "citizen"
    roles: frozenset[str]
    agency_id: int | None = None  # an agency's account acts only on its own tickets

    @classmethod
    def of(cls, principal) -> "Actor":
        if principal.role == "office":
            return cls(principal.username, frozenset({"office"}))
        if principal.role == "agency":
            roles = {"agency", "leader"} if getattr(principal, "agency_leader", False) else {"agency"}
            return cls(principal.username, frozenset(roles), principal.agency_id)
        if principal.role == "supervisor":  # also the operating unit's own actions (HCMC Art. 6.3)
            return cls(principal.username, frozenset({"operator", "supervisor"}))
        return cls(principal.username, frozenset({STAFF_ROLES.get(principal.role, principal.role)}))


SYSTEM = Actor("system", frozenset({"system"}))
CITIZEN = Actor("citizen", frozenset({"citizen"}))


# What an agency named at distribution besides the lead one is asked (Quảng Ninh step 1.2).
ALSO_ASKED = ("Phản ánh liên quan nhiều cơ quan: đề nghị phối hợp xử lý phần việc thuộc trách nhiệm của quý cơ quan, "
              "gửi {lead} (cơ quan chủ trì) để tổng hợp trả lời.")


@dataclass
class Payload:
    result: str | None = None
    reason: str | None = None
    agency_id: int | None = None
    date: datetime | None = None
    rating: int | None = None
    question: str | None = None
    note: str | None = None  # kept in the history line only
    cites: ArticleVersion | None = None  # the knowledge base version the result was taken from
    also_agency_ids: list[int] = field(default_factory=list)  # other agencies asked for their part
    extra: dict = field(default_factory=dict)  # more detail for the history line


class TicketHandling:
    """The moves of tickets. It receives its collaborators (`of` wires the real ones from the
    settings, for the running hotline and the tests alike), so its decisions can be tested with
    fakes and no database."""

    def __init__(self, sessions: async_sessionmaker, profile: Profile, workflow: Workflow, notices: Notices,
                 coordination: Coordination, letters: ResultLetters, transfer_documents: TransferDocuments,
                 documents: Documents, on_sms: Callable[[], None] | None = None):
        self.sessions = sessions
        self.profile = profile
        self.workflow = workflow
        self.notices = notices
        self.coordination = coordination
        self.letters = letters
        self.transfer_documents = transfer_documents
        self.documents = documents  # PDFs of the letters, signed by their issuers
        self.lookup_url = notices.lookup_url
        self.on_sms = on_sms or (lambda: None)
        # The periodic scan of this handling's deadlines (`of` attaches it: it works through the
        # handling's own writes and notices).
        self.deadlines: DeadlineScan | None = None
        # Called inside a submission's transaction, after the ticket entered the workflow, by parts
        # above this one (a completed live transfer assigns the ticket to its agency).
        self.on_submitted: list = []

    @classmethod
    def of(cls, settings: Settings, sessions: async_sessionmaker, profile: Profile,
           on_sms: Callable[[], None] | None = None, lease: Lease | None = None) -> "TicketHandling":
        """The ticketing part as the settings make it: the profile's workflow on its calendar, the
        notices with the public look-up link and the daily SMS cap per number, the letters signed
        by the configured issuers, and the deadline scan every `deadline_scan_seconds`."""
        workflow = Workflow(profile.workflow, profile.calendar)
        handling = cls(sessions, profile, workflow,
                       Notices(profile, workflow, settings.public_base, settings.security.sms_per_number_per_day),
                       Coordination(sessions, profile), ResultLetters(sessions, profile),
                       TransferDocuments(sessions, profile),
                       Documents(sessions, load_signers(settings.signing, settings.home / SETTINGS_FILE)),
                       on_sms)
        handling.deadlines = DeadlineScan(handling, settings.deadline_scan_seconds, lease)
        return handling

    # -- actions ------------------------------------------------------------------------------
    async def act(self, ticket_id: int, action: str, actor: Actor, payload: Payload | None = None,
                  now: datetime | None = None) -> Ticket:
        now = now or datetime.now(timezone.utc)
        async with self.sessions() as s, s.begin():
            t = await s.get(Ticket, ticket_id)
            if t is None or t.draft or (actor.agency_id is not None and t.agency_id != actor.agency_id):
                raise Refused(404, "Không có phiếu này")
            await self.apply(s, t, action, actor, payload or Payload(), now)
        self.on_sms()
        async with self.sessions() as s:
            return await s.get(Ticket, ticket_id)

    def allowed(self, t: Ticket, actor: Actor, now: datetime | None = None) -> list[str]:
        return self.workflow.actions_for(state_of(t), set(actor.roles), now or datetime.now(timezone.utc))

    def offered(self, t: Ticket, actor: Actor, now: datetime | None = None) -> list[dict]:
        """The actions this actor may take now, with their titles and what each needs, for a page."""
        stage = state_of(t).stage
        actions = self.workflow.config.actions
        return [{"name": a, "title": actions[a].title, "needs": self.workflow.needs(a, stage),
                 "several_agencies": actions[a].also_agencies} for a in self.allowed(t, actor, now)]

    async def apply(self, s: AsyncSession, t: Ticket, action: str, actor: Actor, payload: Payload,
                    now: datetime, event: str | None = None) -> Move:
        """Decide and write one action inside the caller's transaction."""
        secrecy.stored_payload(self.profile, t, payload)
        state = state_of(t)
        needs = self.workflow.needs(action, state.stage)
        for need in needs:
            if need == "photos":
                if not await self._photos_since(s, t, action):
                    raise Refused(422, "Thiếu ảnh hiện trường: tải ảnh lên phiếu trước khi thực hiện")
            elif getattr(payload, "agency_id" if need == "agency" else need, None) in (None, ""):
                raise Refused(422, f"Thiếu {NEED_NAMES[need]}")
        if payload.rating is not None and payload.rating not in RATINGS:
            raise Refused(422, "Mức độ hài lòng từ 1 đến 5")
        move = self.workflow.act(action, state, set(actor.roles), now, new_date=payload.date)
        values: dict = {}
        agency = None
        if "agency" in needs:
            agency = await s.get(Agency, payload.agency_id)
            if agency is None or not agency.active:
                raise Refused(422, "Không có cơ quan này")
            focal = await contact_of(s, agency.id, "focal_point")
            values.update(agency_id=agency.id, assignee_contact_id=focal.id if focal else None, transferred_at=now)
        if move.from_stage == self.workflow.initial and move.stage != move.from_stage:
            values["classification"] = action
        if payload.result is not None:
            level = 1 if "operator" in actor.roles else 2
            values.update(result=payload.result, answered_at=now, answered_by=actor.name, answer_level=level)
        if payload.reason is not None:
            values["reason"] = payload.reason
        if payload.question is not None:
            values["question"] = payload.question
        if payload.rating is not None:
            values.update(rating=payload.rating, rated_at=now)
        if "agency" in actor.roles and self.workflow.step(move.stage).holder == "hotline":
            values.update(agency_id=None, assignee_contact_id=None)  # returned: not its authority
        counts = dict(t.counts or {})
        counts[action] = counts.get(action, 0) + 1
        values["counts"] = counts
        await self.write(s, t, move, now, values)
        detail = {"from": move.from_stage, "to": move.stage, "due_at": move.due_at, **payload.extra}
        for key in ("reason", "question", "rating", "note"):
            if getattr(payload, key) is not None:
                detail[key] = getattr(payload, key)
        if payload.result is not None:
            detail["result"] = payload.result[:2000]
        if agency is not None:
            detail["agency"] = agency.name
        if payload.cites is not None and payload.result is not None:
            v = payload.cites
            detail.update(article=v.article_id, article_version=v.number, article_question=v.question[:200])
            s.add(Citation(ticket_id=t.id, article_id=v.article_id, version_id=v.id, cited_by=actor.name))
        if payload.date is not None:
            detail["date"] = payload.date
        add_event(s, t.id, actor.name, event or action, at=now, **detail)
        if payload.also_agency_ids:
            if not self.workflow.config.actions[action].also_agencies:
                raise Refused(422, "Thao tác này chỉ chuyển đến một cơ quan")
            for other in dict.fromkeys(payload.also_agency_ids):
                await self.coordination.ask_in(s, t, actor.name, other, ALSO_ASKED.format(lead=agency.name), now)
        await self.notices.on_move(s, t, move)
        return move

    async def _photos_since(self, s: AsyncSession, t: Ticket, action: str) -> int:
        """Images attached to the ticket since it entered its current step, and since the last
        time this action was taken (each progress update brings its own photos)."""
        q = select(func.count()).select_from(Attachment).where(Attachment.ticket_id == t.id,
                                                               Attachment.content_type.like("image/%"))
        if t.stage_entered_at is not None:
            q = q.where(Attachment.uploaded_at >= t.stage_entered_at)
        last = await s.scalar(select(func.max(TicketEvent.at)).where(TicketEvent.ticket_id == t.id,
                                                                     TicketEvent.action == action))
        if last is not None:
            q = q.where(Attachment.uploaded_at > last)
        return await s.scalar(q)

    async def write(self, s: AsyncSession, t: Ticket, move: Move, now: datetime, values: dict) -> None:
        """The move's conditional UPDATE: refused (409) if the ticket changed since it was read."""
        values = {"due_at": move.due_at, **values}
        values.update(handling_stage=move.stage, status=move.status, version=t.version + 1)
        values["remind_at"] = self.workflow.reminder(move.stage, values["due_at"], now) \
            if move.due_at is not None else None
        if move.stage != move.from_stage:
            values["stage_entered_at"] = now
        if move.late:
            values["late"] = True
        if move.publish:
            values["published_at"] = None if (t.confidential or t.state_secret) else now
        res = await s.execute(update(Ticket).where(Ticket.id == t.id, Ticket.version == t.version).values(**values)
                              .execution_options(synchronize_session=False))
        if res.rowcount != 1:
            raise Refused(409, "Phiếu vừa được người khác cập nhật, vui lòng tải lại")
        await s.refresh(t)

    async def submit(self, s: AsyncSession, t: Ticket, actor: Actor, now: datetime) -> None:
        """A ticket written by an operator (or sent from the public form) enters the workflow:
        its first step's deadline starts and the citizen gets the receipt, if the profile says."""
        step = self.workflow.step(self.workflow.initial)
        t.handling_stage, t.status = self.workflow.initial, step.status
        t.stage_entered_at = now
        t.due_at = self.workflow.deadline(self.workflow.initial, state_of(t), now)
        t.remind_at = self.workflow.reminder(self.workflow.initial, t.due_at, now)
        await s.flush()
        add_event(s, t.id, actor.name, "submitted", at=now, channel=t.channel, due_at=t.due_at)
        move = Move("submitted", self.workflow.initial, self.workflow.initial, t.status, t.due_at,
                    list(step.notify), False)
        await self.notices.on_move(s, t, move)
        for hook in self.on_submitted:
            await hook(s, t, actor, now)

    async def overdue(self, limit: int = 500) -> list[tuple[Ticket, str | None]]:
        """The provincial office's list: overdue tickets with their agency, oldest deadline first."""
        async with self.sessions() as s:
            rows = await s.execute(select(Ticket, Agency.name).outerjoin(Agency, Agency.id == Ticket.agency_id)
                                   .where(Ticket.status == "overdue").order_by(Ticket.stage_entered_at).limit(limit))
            return [(t, name) for t, name in rows]
