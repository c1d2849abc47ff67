"""Removing personal data everywhere it is kept: a ticket's reporter fields and what its texts
quote of them (and the conversation transcripts copied into its history), its files, the
recordings and transcripts of the caller's calls, the citizen's written conversations (e-mail, web
chat, Zalo, Messenger) and their messages, the SMS, e-mails and platform messages sent to them,
callback and survey numbers, queue statistics' caller numbers. Used by the retention job (per data
class, when a period is over) and by a citizen's erasure request (all of it, for a phone number,
an e-mail address or a platform user id: the conversations found lead to their tickets, and the
tickets to their conversations). Rows stay (the counts in reports remain true); what identifies
the person goes. Every ticket touched gets a line in its history."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Awaitable, Callable

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from hotline.phones import national
from hotline.security.redaction import MASK, redact
from hotline.store.callbacks import CallbackAttempt, CallbackRequest, OutboundCall, SurveyCall, VirtualHold
from hotline.store.calls import QueuedCallRow
from hotline.store.conversations import Conversation, ConversationMessage, MailQuarantine, conversations_of, \
    erase_conversation, messages_of
from hotline.store.outbox import ChatOutMessage, EmailMessage, SmsMessage
from hotline.store.privacy import AuditEntry
from hotline.store.recordings import CallAlert, Job, Recording, Transcript
from hotline.store.scorecards import ScorecardReview, ScorecardSample
from hotline.store.tickets import Attachment, CoordinationRequest, Ticket, TicketEvent, add_event

PERSONAL_FIELDS = ("reporter_name", "caller_phone", "address", "email")
TEXT_FIELDS = ("content", "result", "question", "reason")
ERASED = "[đã xoá]"


def _is_number(value: str | None, number: str) -> bool:
    return bool(value) and national(value) == number


def scrub_file(path: Path, values: list[str]) -> bool:
    """Overwrite each occurrence of `values` in a text log with as many asterisks, in place and at
    the same length, so that a reader's byte offsets (the queue_log importer's) stay right."""
    try:
        with path.open("r+b") as f:
            data = f.read()
            out = data
            for v in sorted({v for v in values if len(v) >= 6}, key=len, reverse=True):
                out = out.replace(v.encode(), b"*" * len(v.encode()))
            if out == data:
                return False
            f.seek(0)
            f.write(out)
            return True
    except OSError:
        return False


@dataclass
class Erased:
    """What an erasure removed (counts by data class), and the tickets it kept until their answer
    with the identifiers their texts may quote."""

    counts: dict[str, int]
    kept: list[Ticket] = field(default_factory=list)
    identifiers: list[str] = field(default_factory=list)


class Eraser:
    def __init__(self, attachments_dir: Path, recordings_dir: Path, log_dir: Path | None = None):
        self.attachments_dir = attachments_dir
        self.recordings_dir = recordings_dir
        self.log_dir = log_dir  # Asterisk's logs: queue_log and messages hold callers' numbers
        # Run before each retention pass (the first at start): what else must drop identifiers no
        # longer needed (the data requests of an earlier version: `DataRequests.prepare`).
        self.housekeeping: list[Callable[[], Awaitable[object]]] = []
        # Told of each citizen's erasure (her number, her calls' linkedids): what parts keep only
        # in memory goes too (the live captions' words of a caller, kept for the ticket's writing).
        self.forget_calls: list[Callable[[str | None, set[str]], object]] = []

    # -- per data class (each inside the caller's transaction) ------------------------------------
    async def ticket_personal(self, s: AsyncSession, t: Ticket, actor: str, why: str, now: datetime,
                              also: list[str] = ()) -> None:
        """The reporter's fields, what the ticket's texts quote of them (and of `also`: the same
        citizen's identifiers found elsewhere; and any phone number or e-mail address in them),
        the old and new values of edits of those fields, the conversation transcripts copied into
        its history, and what coordination requests quote of them."""
        events = list(await s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == t.id)))
        personal = [getattr(t, f) for f in PERSONAL_FIELDS] + list(also)
        for e in events:  # the values the fields held before an edit count too
            for k, change in ((e.detail or {}).get("changes") or {}).items():
                if k in PERSONAL_FIELDS and isinstance(change, dict):
                    personal += [v for v in (change.get("old"), change.get("new")) if isinstance(v, str)]
        for f in TEXT_FIELDS:
            if getattr(t, f):
                setattr(t, f, redact(getattr(t, f), *personal))
        for f in PERSONAL_FIELDS:
            setattr(t, f, None)
        if t.latitude is not None and t.longitude is not None:  # an app's pin may be her door: about 1 km stays
            t.latitude, t.longitude = round(t.latitude, 2), round(t.longitude, 2)
        t.personal_erased_at = now
        for e in events:
            changes = (e.detail or {}).get("changes")
            if changes and any(k in changes for k in PERSONAL_FIELDS + TEXT_FIELDS):
                e.detail = {**e.detail, "changes": {k: ({"old": ERASED, "new": ERASED}
                                                        if k in PERSONAL_FIELDS + TEXT_FIELDS else v)
                                                    for k, v in changes.items()}}
            if (e.detail or {}).get("transcript"):  # a closed conversation's exchange, copied whole
                e.detail = {**e.detail, "transcript": [{**line, "body": ERASED}
                                                        for line in e.detail["transcript"] if isinstance(line, dict)]}
        for c in await s.scalars(select(CoordinationRequest).where(CoordinationRequest.ticket_id == t.id)):
            c.question = redact(c.question, *personal)
            if c.answer:
                c.answer = redact(c.answer, *personal)
        add_event(s, t.id, actor, "personal_data_erased", at=now, why=why)

    async def ticket_files(self, s: AsyncSession, ticket_id: int, actor: str, why: str, now: datetime) -> int:
        rows = list(await s.scalars(select(Attachment).where(Attachment.ticket_id == ticket_id)))
        for a in rows:
            await s.delete(a)
        await s.flush()
        for a in rows:  # files are named by their content: another ticket may hold the same one
            if not await s.scalar(select(Attachment.id).where(Attachment.path == a.path).limit(1)):
                (self.attachments_dir / a.path).unlink(missing_ok=True)
        if rows:
            add_event(s, ticket_id, actor, "files_erased", at=now, why=why, count=len(rows))
        return len(rows)

    async def ticket_conversations(self, s: AsyncSession, ticket_id: int) -> int:
        """The retention of a ticket's personal data: its closed conversations, their messages and
        what was sent in them (e-mail and platform outboxes, keyed by the conversation)."""
        convs = [c for c in await conversations_of(s, [], [], None, [ticket_id]) if c.status == "closed"]
        for c in convs:
            erase_conversation(c, await messages_of(s, [c.id]), ERASED, MASK)
            key = f"conversation:{c.id}:%"
            for m in await s.scalars(select(EmailMessage).where(EmailMessage.key.like(key))):
                m.to_address, m.subject, m.body, m.headers = MASK, ERASED, ERASED, {}
            for m in await s.scalars(select(ChatOutMessage).where(ChatOutMessage.key.like(key))):
                m.recipient, m.text = MASK, ERASED
        return len(convs)

    async def recording(self, s: AsyncSession, r: Recording, now: datetime) -> None:
        """The audio files and the transcript; the catalogue row stays, expired, without the number."""
        for rel in [r.path, r.compressed_path] + [leg.get("path") for leg in (r.legs or {}).values()]:
            if rel:
                (self.recordings_dir / rel).unlink(missing_ok=True)
        transcript = await s.get(Transcript, r.id)
        if transcript is not None:
            await s.delete(transcript)
        await drop_transcript_index(s, [r.id])
        for job in await s.scalars(select(Job).where(Job.recording_id == r.id, Job.status.in_(("queued", "running")))):
            job.status, job.last_error = "failed", "recording erased"
        for review in await self.reviews_of(s, [r.id]):  # what a supervisor's comment quotes of the caller
            review.comment = redact(review.comment, r.caller_phone or "")
        r.status, r.caller_phone = "expired", None
        r.originals_removed_at = r.originals_removed_at or now

    @staticmethod
    async def reviews_of(s: AsyncSession, recording_ids: list[int]) -> list[ScorecardReview]:
        """The scorecard reviews of these calls (their comments may quote the caller)."""
        if not recording_ids:
            return []
        return list(await s.scalars(select(ScorecardReview).join(
            ScorecardSample, ScorecardSample.id == ScorecardReview.sample_id).where(
            ScorecardSample.recording_id.in_(recording_ids))))

    # -- a citizen's erasure request ----------------------------------------------------------------
    async def everything_of(self, s: AsyncSession, phone: str | None, email: str | None, actor: str, why: str,
                            now: datetime, platform_id: str | None = None,
                            keep: Callable[[Ticket], bool] | None = None) -> Erased:
        """All personal data held under a phone number (any written form), an e-mail address or a
        platform user id, inside the caller's transaction. Tickets for which `keep` is true (still
        being handled) keep what the agency needs to answer (reporter fields, texts, files,
        history): they are returned as `kept`, with the identifiers their texts may quote, for the
        caller to erase once they are answered (`release`)."""
        held = await holdings(s, phone, email, platform_id)
        counts: Counter[str] = Counter()
        calls = {t.linkedid for t in held.tickets if t.linkedid} | {r.linkedid for r in held.recordings if r.linkedid}
        for forget in self.forget_calls:
            counts["words_in_memory"] += forget(phone, calls) or 0
        also = held.identifiers()
        kept = [t for t in held.tickets if keep is not None and keep(t)]
        for t in held.tickets:
            if t in kept:
                add_event(s, t.id, actor, "erasure_held", at=now, why=why)
                continue
            counts["files"] += await self.ticket_files(s, t.id, actor, why, now)
            await self.ticket_personal(s, t, actor, why, now, also)
            counts["tickets"] += 1
        for review in await self.reviews_of(s, [r.id for r in held.recordings]):
            review.comment = redact(review.comment, *also)
        for r in held.recordings:
            await self.recording(s, r, now)
            counts["recordings"] += 1
        for row in held.numbered:
            column = NUMBER_COLUMNS[type(row)]
            setattr(row, column, MASK)
            if isinstance(row, SmsMessage):
                row.text = ERASED
                row.last_error = redact(row.last_error, *also)[:500] or None  # a gateway's answer may quote it
                if row.status == "pending":
                    row.status, row.last_error = "failed", "erased at the citizen's request"
            counts[row.__tablename__] += 1
        for m in held.emails:
            m.to_address, m.subject, m.body, m.headers = MASK, ERASED, ERASED, {}
            m.last_error = redact(m.last_error, *also)[:500] or None  # a server's refusal may quote it
            if m.status == "pending":
                m.status, m.last_error = "failed", "erased at the citizen's request"
            counts["email_outbox"] += 1
        for m in held.chats:
            m.recipient, m.text = MASK, ERASED
            m.last_error = redact(m.last_error, *also)[:500] or None
            if m.status == "pending":
                m.status, m.last_error = "failed", "erased at the citizen's request"
            counts["chat_outbox"] += 1
        for c in held.conversations:
            erase_conversation(c, [m for m in held.messages if m.conversation_id == c.id], ERASED, MASK)
            counts["conversations"] += 1
        # The audit log keeps who read what, not the names of the citizen's files; callback notes
        # lose what they quote of the citizen.
        erased = [t.id for t in held.tickets if t not in kept]
        if erased:
            for a in await s.scalars(select(AuditEntry).where(AuditEntry.ticket_id.in_(erased),
                                                              AuditEntry.action == "file")):
                a.detail = ERASED
        requests = [r.id for r in held.numbered if isinstance(r, CallbackRequest)]
        if requests:
            for a in await s.scalars(select(CallbackAttempt).where(CallbackAttempt.request_id.in_(requests))):
                a.note = redact(a.note, *also)[:500]
        counts["conversation_messages"] += len(held.messages)
        for a in held.alerts:  # the alert stays counted (phrase, side, time); what she said goes
            a.caller_phone, a.heard = None, ERASED
            counts["call_alerts"] += 1
        for q in held.quarantined:  # raw mail as received: nothing of it is kept
            await s.delete(q)
            counts["mail_quarantine"] += 1
        if phone and self.log_dir is not None and self.log_dir.is_dir():
            d = national(phone)
            forms = [d, "84" + d[1:], "+84" + d[1:]]
            for path in sorted(self.log_dir.glob("queue_log*")) + sorted(self.log_dir.glob("messages*")):
                counts["asterisk_logs"] += scrub_file(path, forms)
        return Erased({k: v for k, v in counts.items() if v}, kept, also)

    @staticmethod
    async def notices_pending(s: AsyncSession, t: Ticket) -> bool:
        """A message to the citizen about this ticket still waits in an outbox (the answer's SMS
        or e-mail): a kept ticket is released only once it went."""
        sms = await s.scalar(select(func.count()).select_from(SmsMessage).where(
            SmsMessage.ticket_id == t.id, SmsMessage.status == "pending"))
        mail = t.email and await s.scalar(select(func.count()).select_from(EmailMessage).where(
            func.lower(EmailMessage.to_address) == t.email.lower(), EmailMessage.status == "pending"))
        return bool(sms or mail)

    async def release(self, s: AsyncSession, t: Ticket, identifiers: list[str], actor: str, why: str,
                      now: datetime) -> dict[str, int]:
        """A kept ticket, once answered: what `everything_of` left of the citizen on it goes, with
        the messages sent to her about it since."""
        counts = Counter(files=await self.ticket_files(s, t.id, actor, why, now), tickets=1)
        if t.email:
            for m in await s.scalars(select(EmailMessage).where(func.lower(EmailMessage.to_address) == t.email.lower())):
                m.to_address, m.subject, m.body, m.headers = MASK, ERASED, ERASED, {}
                counts["email_outbox"] += 1
        for m in await s.scalars(select(SmsMessage).where(SmsMessage.ticket_id == t.id,
                                                          SmsMessage.to_number != MASK)):
            m.to_number, m.text = MASK, ERASED
            counts["sms_outbox"] += 1
        await self.ticket_personal(s, t, actor, why, now, identifiers)
        for a in await s.scalars(select(AuditEntry).where(AuditEntry.ticket_id == t.id, AuditEntry.action == "file")):
            a.detail = ERASED
        return {k: v for k, v in counts.items() if v}


async def drop_transcript_index(s: AsyncSession, recording_ids: list[int]) -> None:
    """SQLite keeps transcripts' words again in its full-text table: those go with them. A delete
    there only adds a tombstone to the index (the words stay in its older segments): `optimize`
    merges the segments, leaving out what was deleted."""
    if recording_ids and s.bind.dialect.name == "sqlite":
        for rid in recording_ids:
            await s.execute(text("DELETE FROM transcript_fts WHERE rowid = :id"), {"id": rid})
        await s.execute(text("INSERT INTO transcript_fts(transcript_fts) VALUES ('optimize')"))


# Where a citizen's number is kept besides tickets and recordings: the model and its column.
NUMBER_COLUMNS = {SmsMessage: "to_number", CallbackRequest: "caller_number", VirtualHold: "caller_number",
                  OutboundCall: "number", SurveyCall: "number", QueuedCallRow: "caller"}


@dataclass
class Holdings:
    """What the hotline holds under one phone number, e-mail address or platform user id."""

    tickets: list[Ticket] = field(default_factory=list)
    recordings: list[Recording] = field(default_factory=list)  # not yet expired
    numbered: list = field(default_factory=list)  # rows of NUMBER_COLUMNS' models
    emails: list[EmailMessage] = field(default_factory=list)
    chats: list[ChatOutMessage] = field(default_factory=list)  # replies sent on Zalo or Messenger
    conversations: list[Conversation] = field(default_factory=list)
    messages: list[ConversationMessage] = field(default_factory=list)
    quarantined: list[MailQuarantine] = field(default_factory=list)  # raw mail the mailbox could not keep
    alerts: list[CallAlert] = field(default_factory=list)  # alert phrases heard in her calls, with her words

    def counts(self) -> dict[str, int]:
        """How many rows of each data class are held (the classes an erasure reports)."""
        out = {"tickets": len(self.tickets), "recordings": len(self.recordings), "email_outbox": len(self.emails),
               "chat_outbox": len(self.chats), "conversations": len(self.conversations),
               "conversation_messages": len(self.messages), "mail_quarantine": len(self.quarantined),
               "call_alerts": len(self.alerts)}
        for row in self.numbered:
            out[row.__tablename__] = out.get(row.__tablename__, 0) + 1
        return {k: v for k, v in out.items() if v}

    def identifiers(self) -> list[str]:
        """Every name, number, address and platform id found for the citizen (to redact texts)."""
        values = [getattr(t, f) for t in self.tickets for f in PERSONAL_FIELDS]
        values += [v for c in self.conversations for v in (c.citizen_address, c.citizen_name) if v and v != "—"]
        return [v for v in dict.fromkeys(values) if v]


async def holdings(s: AsyncSession, phone: str | None, email: str | None,
                   platform_id: str | None = None) -> Holdings:
    """Rows holding the number (in any written form: compared in national form), the address
    (case and spaces aside) or the platform user id; and, through conversations, the tickets they
    became (a chat on Zalo has no number) and the conversations of those tickets."""
    number = national(phone) if phone else ""
    mail = (email or "").strip().lower()
    user = (platform_id or "").strip()
    held = Holdings()

    async def with_number(model, column: str) -> list:
        col = getattr(model, column)
        return [r for r in await s.scalars(select(model).where(col.like(f"%{number[-3:]}")))
                if _is_number(getattr(r, column), number)]

    if number:
        held.tickets = await with_number(Ticket, "caller_phone")
        held.recordings = [r for r in await with_number(Recording, "caller_phone") if r.status != "expired"]
        for model, column in NUMBER_COLUMNS.items():
            held.numbered += await with_number(model, column)
    if mail:
        held.tickets += [t for t in await s.scalars(select(Ticket).where(func.lower(func.trim(Ticket.email)) == mail))
                         if t not in held.tickets]
    # Conversations by their address, and those of the tickets found; then their tickets.
    held.conversations = await conversations_of(s, [mail] if mail else [], [user] if user else [], number or None,
                                                [t.id for t in held.tickets], lambda v: _is_number(v, number))
    linked = [c.ticket_id for c in held.conversations if c.ticket_id]
    known = {t.id for t in held.tickets}
    if set(linked) - known:
        held.tickets += list(await s.scalars(select(Ticket).where(Ticket.id.in_(set(linked) - known))))
    held.messages = await messages_of(s, [c.id for c in held.conversations])
    addresses = {mail} if mail else set()
    addresses |= {c.citizen_address.strip().lower() for c in held.conversations if c.address_kind == "email"}
    addresses |= {t.email.strip().lower() for t in held.tickets if t.email}
    if addresses:
        held.emails = list(await s.scalars(select(EmailMessage).where(
            func.lower(func.trim(EmailMessage.to_address)).in_(addresses))))
    # Platform messages (Zalo, Messenger) go to the platform's id of the citizen.
    recipients = [(c.channel, c.citizen_address) for c in held.conversations if c.address_kind == "platform"]
    if user:
        recipients.append((None, user))
    if recipients:
        held.chats = [m for m in await s.scalars(select(ChatOutMessage).where(
            ChatOutMessage.recipient.in_({r for _, r in recipients})))
            if any(ch in (None, m.channel) and r == m.recipient for ch, r in recipients)]
    held.quarantined = await quarantined_of(s, addresses, number)
    calls = [t.linkedid for t in held.tickets if t.linkedid]
    if calls:  # the calls of those tickets, whatever number they came from
        held.recordings += [r for r in await s.scalars(select(Recording).where(
            Recording.linkedid.in_(calls), Recording.status != "expired")) if r not in held.recordings]
    # Alerts heard in her calls: those from her number, and those of her tickets' and recordings' calls.
    calls = {*calls, *(r.linkedid for r in held.recordings)}
    alerts = select(CallAlert).where(CallAlert.linkedid.in_(calls)) if calls else None
    held.alerts = list(await s.scalars(alerts)) if alerts is not None else []
    if number:
        held.alerts += [a for a in await with_number(CallAlert, "caller_phone") if a not in held.alerts]
    return held


async def quarantined_of(s: AsyncSession, addresses: set[str], number: str) -> list[MailQuarantine]:
    """Quarantined mail sent from one of the addresses, or whose raw bytes hold the number in one of
    its written forms (a citizen who signed with her phone). The quarantine is small: read whole."""
    forms = [f.encode() for f in ([number, "84" + number[1:], "+84" + number[1:]] if number else [])]
    if not addresses and not forms:
        return []
    return [q for q in await s.scalars(select(MailQuarantine))
            if (q.sender or "").strip().lower() in addresses or any(f in q.raw for f in forms)]
