"""The conversation core: citizens' written messages on any channel (e-mail, web chat, Zalo,
Messenger, SMS) become conversations and draft tickets (the operator completes and submits one, as
for a call) with the citizen's receipt; later messages join them; operators take, answer and
close conversations within a capacity, with first-reply deadlines. Plain Python against the
channels' contract (`hotline.conversations.channels`): what differs between channels (threads,
receipts, outboxes, typing and read marks) is asked of the channel's adapter, never tested here."""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from datetime import datetime, timedelta, timezone
from typing import Awaitable, Callable

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.config.conversations import ConversationPolicy
from hotline.conversations import channels as registry
from hotline.conversations.channels import Channels
from hotline.conversations.channels.contract import Inbound, InboundRefused, Receipt
from hotline.conversations.channels.platform import inbound_of
from hotline.conversations.mail import InboundMail
from hotline.conversations.notices import ThreadNotices
from hotline.conversations.platform_files import PlatformFiles
from hotline.conversations.platforms import ChatIn
from hotline.notifications.gateways import GatewayError
from hotline.events.bus import EventBus
from hotline.events.types import ChatToCitizen, ConversationActivity, ConversationsChanged
from hotline.errors import Refused
from hotline.store.base import aware
from hotline.store.conversations import Conversation, ConversationMessage
from hotline.store.tickets import Ticket, add_event
from hotline.ticketing.attachments import Attachments, Upload
from hotline.ticketing.store import TicketStore
from hotline.workhours import WorkCalendar

log = logging.getLogger(__name__)

FILE_ATTEMPTS = 3  # fetching a file a citizen sent on a platform
EMAIL, WEBCHAT = "email", "webchat"  # the channels with an intake of their own (mailbox, chat socket)
MailRefused = InboundRefused  # the mailbox quarantines an e-mail refused so


def message_view(m: ConversationMessage) -> dict:
    return {"id": m.id, "direction": m.direction, "author": m.author, "body": m.body,
            "attachments": m.attachments or [], "refused": m.refused or [],
            "created_at": aware(m.created_at).isoformat()}


class Conversations:
    def __init__(self, sessions: async_sessionmaker, store: TicketStore, attachments: Attachments, sender: str,
                 lookup_url: Callable[[str], str] | None = None, on_mail: Callable[[], None] = lambda: None,
                 bus: EventBus | None = None, on_chat: Callable[[], None] = lambda: None,
                 policy: ConversationPolicy | None = None, free_operators: Callable[[], list[str]] = list,
                 calendar: WorkCalendar | None = None, platform_files: PlatformFiles | None = None,
                 on_files: Callable[[], None] = lambda: None,
                 platform_action: Callable[[str, str, str], Awaitable[None]] | None = None,
                 channels: Channels | None = None):
        self.sessions = sessions
        self.store = store
        self.attachments = attachments
        self.lookup_url = lookup_url  # a ticket's public page, from its look-up secret (receipts)
        self.on_files = on_files  # wakes the fetching of files sent on a platform
        self.platform_files = platform_files
        self.policy = policy or ConversationPolicy()
        self.free_operators = free_operators  # available now: logged in, not on a call, not paused
        self.bus = bus  # tells the desktops
        self.calendar = calendar  # first-reply deadlines count office hours (None: clock time)
        # The channels' adapters (the settings' registry; without one, every channel with the
        # outboxes' wake-ups given here and no webhook).
        self.channels = channels or registry.build(None, sender, bus=bus, on_mail=on_mail, on_chat=on_chat,
                                                   platform_action=platform_action)
        # The tickets' notices in their citizen's thread (the wiring gives `notices.tell` to the
        # ticketing side's `Notices.in_thread`).
        self.notices = ThreadNotices(self.channels, self._changed)

    def _waiting(self, conv: Conversation, now: datetime) -> None:
        """The citizen wrote: the conversation waits for an answer, due within the first-reply time
        from the first unanswered message."""
        conv.status, conv.last_message_at = "open", now
        if conv.reply_due_at is None:
            minutes = self.policy.first_reply_minutes
            conv.reply_due_at = (self.calendar.add_working_hours(now, minutes / 60) if self.calendar is not None
                                 else now + timedelta(minutes=minutes))
            conv.reminded_at = conv.escalated_at = None

    async def scan(self, now: datetime | None = None) -> int:
        """Remind the operator of a citizen waiting for an answer, then tell the supervisors when
        the first-reply time has passed (once each); returns how many were told."""
        now = now or datetime.now(timezone.utc)
        told: list[tuple[int, str, str | None]] = []
        remind_at = now + timedelta(minutes=self.policy.remind_before_minutes)
        async with self.sessions() as s, s.begin():
            rows = list(await s.scalars(select(Conversation).where(
                Conversation.status == "open", Conversation.reply_due_at.is_not(None),
                Conversation.reply_due_at <= remind_at,
                or_(Conversation.reminded_at.is_(None), Conversation.escalated_at.is_(None))).limit(500)))
            for conv in rows:
                if aware(conv.reply_due_at) <= now and conv.escalated_at is None:
                    conv.escalated_at = now
                    conv.reminded_at = conv.reminded_at or now
                    conv.late_count = (conv.late_count or 0) + 1
                    told.append((conv.id, "overdue", conv.assignee))
                elif conv.reminded_at is None:
                    conv.reminded_at = now
                    told.append((conv.id, "reminder", conv.assignee))
        for conv_id, what, assignee in told:
            log.info("conversation %d: %s (operator %s)", conv_id, what, assignee)
            await self._changed(conv_id, what, assignee)
        return len(told)

    async def _load(self, s, operators: list[str], skip: int | None = None) -> dict[str, int]:
        """Each operator's conversations not closed (but `skip`)."""
        q = select(Conversation.assignee, func.count(Conversation.id)).where(
            Conversation.assignee.in_(operators), Conversation.status != "closed")
        if skip is not None:
            q = q.where(Conversation.id != skip)
        counts = dict((await s.execute(q.group_by(Conversation.assignee))).all())
        return {op: counts.get(op, 0) for op in operators}

    async def _assign(self, conversation_id: int) -> str | None:
        """A new conversation to the available operator with the fewest below the limit; None:
        nobody is free, it waits in the inbox."""
        candidates = sorted(set(self.free_operators()))
        if not candidates:
            return None
        async with self.sessions() as s, s.begin():
            load = await self._load(s, candidates)
            free = [op for op in candidates if load[op] < self.policy.max_per_operator]
            if not free:
                return None
            operator = min(free, key=lambda op: (load[op], op))
            done = await s.execute(update(Conversation).where(Conversation.id == conversation_id,
                                                              Conversation.assignee.is_(None))
                                   .values(assignee=operator).execution_options(synchronize_session=False))
            if done.rowcount != 1:
                return None
            ticket_id = await s.scalar(select(Conversation.ticket_id).where(Conversation.id == conversation_id))
            await s.execute(update(Ticket).where(Ticket.id == ticket_id, Ticket.draft.is_(True))
                            .values(operator_id=operator).execution_options(synchronize_session=False))
        log.info("conversation %d given to %s", conversation_id, operator)
        return operator

    async def _changed(self, conversation_id: int, status: str, assignee: str | None = None,
                       message: ConversationMessage | None = None, **extra) -> None:
        """Tell the desktops. A change to the inbox itself (a new conversation, one taken or
        closed, anything in one nobody has): every operator and supervisor. Anything else in a
        conversation an operator has (a message, typing, reading, a reminder): her and the
        supervisors, with the message itself, so that no desktop has to ask for it again."""
        if self.bus is None:
            return
        if assignee is None:
            await self.bus.publish(ConversationsChanged(data={"id": conversation_id, "status": status}))
            return
        data = {"id": conversation_id, "status": status, **extra}
        if message is not None:
            data["message"] = message_view(message)
        await self.bus.publish(ConversationActivity(agent=assignee, data=data))

    # -- inbound: one intake for every channel ----------------------------------------------------
    async def receive(self, inbound: Inbound, now: datetime | None = None) -> int | None:
        """Keep a citizen's message from any channel; returns its conversation's id. It joins the
        conversation its channel says it continues, or starts one with a draft ticket and the
        channel's receipt. Nothing is kept of a message a machine sent (auto-reply, bounce, list),
        and a message kept already (read or posted twice) is kept once. InboundRefused: the
        channel will not let it start a conversation (the reason)."""
        kept = await self._receive(inbound, now)
        return kept[0] if kept else None

    async def _receive(self, inbound: Inbound, now: datetime | None) -> tuple[int, ConversationMessage] | None:
        now = now or datetime.now(timezone.utc)
        channel = self.channels[inbound.channel]
        if inbound.automatic:
            log.info("%s %s from %s ignored: %s", channel.name, inbound.external_id, inbound.sender, inbound.automatic)
            return None
        checked, refused = self._check_files(inbound.files)
        refused += [{"filename": f.name, "reason": f"Không phải tệp ({f.kind}): xem trên trang quản lý của nền tảng"}
                    for f in inbound.remote_files if not f.url]
        pending = [{"kind": f.kind, "url": f.url, "name": f.name, "attempts": 0} for f in inbound.remote_files if f.url]
        text = inbound.text or ("(tệp đính kèm)" if inbound.remote_files else "")
        receipt = None
        try:
            async with self.sessions() as s, s.begin():
                known = await self._known(s, inbound)
                if known is not None:
                    return known, None
                conv = await channel.thread(s, inbound)
                new = conv is None
                if new:
                    reason = await channel.refuse_new(s, inbound, now, self.policy)
                    if reason:
                        raise InboundRefused(reason)
                    ticket = await self.store.add_ticket(s, **channel.ticket_fields(inbound, text), draft=True,
                                                         created_at=now)
                    conv = Conversation(channel=channel.name, citizen_address=inbound.sender, status="open",
                                        ticket_id=ticket.id, created_at=now, last_message_at=now,
                                        address_kind=channel.address_kind, **channel.conversation_fields(inbound))
                    s.add(conv)
                    await s.flush()
                    add_event(s, ticket.id, channel.event_actor, "conversation", at=now, conversation=conv.id)
                self._waiting(conv, now)
                kept = ConversationMessage(conversation_id=conv.id, channel=channel.name,
                                           external_id=inbound.external_id, direction="in", body=text,
                                           refused=refused, created_at=now, pending_files=pending or None,
                                           files_pending=bool(pending))
                s.add(kept)
                if new:
                    link = self.lookup_url(ticket.public_secret) if self.lookup_url else None
                    receipt = await channel.receipt(s, conv, inbound, Receipt(ticket.code, link), now, self.policy)
                await s.flush()
                conv_id, ticket_id, assignee = conv.id, conv.ticket_id, conv.assignee
        except IntegrityError:  # the same message kept by another reader at the same moment
            async with self.sessions() as s:
                known = await self._known(s, inbound)
            if known is None:  # not a race: a constraint the message breaks; the caller counts it
                raise
            return None
        if checked and ticket_id is not None:
            saved = await self.attachments.save(ticket_id, checked, channel.name, now)
            async with self.sessions() as s, s.begin():
                row = await s.get(ConversationMessage, kept.id)
                row.attachments = [{"id": a.id, "filename": a.filename} for a in saved]
                kept = row
        if new:
            assignee = None
            await self._assign(conv_id)
        if receipt is not None:
            await channel.sent(conv_id, receipt)
        if pending:
            self.on_files()
        await self._changed(conv_id, "open", assignee, kept)
        log.info("%s message %s kept in conversation %d", channel.name, inbound.external_id, conv_id)
        return conv_id, kept

    @staticmethod
    async def _known(s, inbound: Inbound) -> int | None:
        return await s.scalar(select(ConversationMessage.conversation_id).where(
            ConversationMessage.channel == inbound.channel, ConversationMessage.external_id == inbound.external_id))

    async def receive_mail(self, mail: InboundMail, now: datetime | None = None) -> int | None:
        """A citizen's e-mail (the mailbox reader's); MailRefused: no address to answer, or the
        sender's new conversations for the day are spent."""
        return await self.receive(self.channels[EMAIL].inbound(mail), now)

    async def receive_chat(self, chat: ChatIn, now: datetime | None = None) -> int | None:
        """A citizen's message on a chat platform (Zalo, Messenger)."""
        return await self.receive(inbound_of(chat), now)

    async def fetch_platform_files(self, now: datetime | None = None) -> int:
        """Fetch the files citizens sent on Zalo or Messenger, check them like uploads and keep
        them with the ticket; a file the platform does not give now is tried again (three times in
        all), one refused is named with the reason. Returns how many messages were done."""
        if self.platform_files is None:
            return 0
        now = now or datetime.now(timezone.utc)
        async with self.sessions() as s:
            rows = list(await s.execute(select(ConversationMessage, Conversation.ticket_id, Conversation.assignee)
                                        .join(Conversation, Conversation.id == ConversationMessage.conversation_id)
                                        .where(ConversationMessage.files_pending.is_(True))
                                        .order_by(ConversationMessage.id).limit(20)))
        for msg, ticket_id, assignee in rows:
            checked, refused, again = [], list(msg.refused or []), []
            for f in msg.pending_files or []:
                try:
                    data = await self.platform_files.fetch(f["url"])
                    checked += self.attachments.check([Upload(f["name"], data)], documents=True)
                except Refused as exc:
                    refused.append({"filename": f["name"], "reason": str(exc)})
                except GatewayError as exc:
                    if f.get("attempts", 0) + 1 >= FILE_ATTEMPTS:
                        refused.append({"filename": f["name"], "reason": f"Không tải được tệp từ nền tảng ({exc})"})
                    else:
                        again.append({**f, "attempts": f.get("attempts", 0) + 1})
            saved = await self.attachments.save(ticket_id, checked, msg.channel, now) if checked and ticket_id else []
            async with self.sessions() as s, s.begin():
                row = await s.get(ConversationMessage, msg.id)
                row.attachments = [*(row.attachments or []), *({"id": a.id, "filename": a.filename} for a in saved)]
                row.refused = refused
                row.pending_files, row.files_pending = again or None, bool(again)
            log.info("conversation %d: %d file(s) kept from %s, %d refused, %d to try again", msg.conversation_id,
                     len(saved), msg.channel, len(refused) - len(msg.refused or []), len(again))
            await self._changed(msg.conversation_id, "files", assignee, row)
        return len(rows)

    # -- web chat --------------------------------------------------------------------------------
    async def start_web(self, name: str | None, phone: str | None, topic: str | None, text: str,
                        now: datetime | None = None) -> tuple[int, str]:
        """A citizen opens a chat on the hotline's site: a conversation and its draft ticket; returns
        (its id, the secret the citizen's page keeps to write and read in it)."""
        token = secrets.token_urlsafe(24)
        inbound = self.channels[WEBCHAT].inbound(text, f"webchat:{uuid.uuid4()}", name=name, phone=phone, topic=topic,
                                                 access_hash=hashlib.sha256(token.encode()).hexdigest())
        return await self.receive(inbound, now), token

    async def web_conversation(self, token: str) -> int | None:
        """The chat this secret opens, while it is not closed."""
        async with self.sessions() as s:
            return await s.scalar(select(Conversation.id).where(
                Conversation.access_hash == hashlib.sha256(token.encode()).hexdigest(),
                Conversation.status != "closed"))

    async def receive_web(self, conversation_id: int, text: str, now: datetime | None = None) -> dict | None:
        """Keep what the citizen wrote in the chat; returns the message as the page shows it."""
        text = text.strip()[:5000]
        if not text:
            return None
        kept = await self._receive(self.channels[WEBCHAT].inbound(text, f"webchat:{uuid.uuid4()}", conversation_id),
                                   now)
        return message_view(kept[1]) if kept and kept[1] is not None else None

    # -- typing and reading ----------------------------------------------------------------------
    async def _assignee(self, conversation_id: int) -> tuple[str | None, str | None, str]:
        """(the operator who has it, its channel, the citizen's address); Refused 404 when there is
        no such conversation."""
        async with self.sessions() as s:
            row = (await s.execute(select(Conversation.assignee, Conversation.channel, Conversation.citizen_address)
                                   .where(Conversation.id == conversation_id, Conversation.status != "closed"))).first()
        if row is None:
            raise Refused(404, "Không có hội thoại này")
        return row[0], row[1], row[2]

    async def citizen_typing(self, conversation_id: int) -> None:
        assignee, _, _ = await self._assignee(conversation_id)
        if assignee is not None and self.bus is not None:
            await self.bus.publish(ConversationActivity(agent=assignee, data={"id": conversation_id,
                                                                              "typing": "citizen"}))

    async def operator_typing(self, conversation_id: int, operator: str) -> None:
        """The operator who has the conversation is writing: the channel tells the citizen if it can."""
        assignee, channel, address = await self._assignee(conversation_id)
        if assignee != operator:
            raise Refused(409, "Hãy nhận hội thoại trước khi trả lời", "conversation_not_taken")
        await self.channels[channel].typing(conversation_id, address)

    async def _mark_read(self, conversation_id: int | None, field: str, direction: str, up_to: int | None = None,
                         at: datetime | None = None, where=None) -> tuple[int, int, str | None, str] | None:
        """Move a read mark forward to the last message of `direction` up to id `up_to` (or sent
        up to `at`); returns (conversation, message id, assignee, channel) when it moved."""
        async with self.sessions() as s, s.begin():
            conv = (await s.get(Conversation, conversation_id) if conversation_id is not None
                    else await s.scalar(select(Conversation).where(where).order_by(Conversation.id.desc()).limit(1)))
            if conv is None:
                return None
            q = select(func.max(ConversationMessage.id)).where(ConversationMessage.conversation_id == conv.id,
                                                               ConversationMessage.direction == direction)
            if up_to is not None:
                q = q.where(ConversationMessage.id <= up_to)
            if at is not None:
                q = q.where(ConversationMessage.created_at <= at)
            last = await s.scalar(q)
            if last is None or (getattr(conv, field) or 0) >= last:
                return None
            # Conditional: of two marks at once, the further one stays.
            done = await s.execute(update(Conversation).where(
                Conversation.id == conv.id,
                or_(getattr(Conversation, field).is_(None), getattr(Conversation, field) < last))
                .values({field: last}).execution_options(synchronize_session=False))
            if done.rowcount != 1:
                return None
            return conv.id, last, conv.assignee, conv.channel

    async def read_by_operator(self, conversation_id: int, operator: str, up_to: int) -> None:
        """The operator who has the conversation has seen the citizen's messages up to `up_to`;
        a web chat's citizen sees it."""
        assignee, _, address = await self._assignee(conversation_id)
        if assignee != operator:
            raise Refused(409, "Hãy nhận hội thoại trước khi trả lời", "conversation_not_taken")
        moved = await self._mark_read(conversation_id, "operator_read_id", "in", up_to=up_to)
        if moved:
            await self.channels[moved[3]].read(conversation_id, address, moved[1])

    async def read_by_citizen(self, conversation_id: int, up_to: int) -> None:
        """The citizen's chat page showed the answers up to `up_to`."""
        moved = await self._mark_read(conversation_id, "citizen_read_id", "out", up_to=up_to)
        if moved:
            await self._changed(moved[0], "read", moved[2], read={"by": "citizen", "up_to": moved[1]})

    async def read_on_platform(self, channel: str, user_id: str, at: datetime) -> None:
        """Zalo or Messenger: the citizen read what the hotline sent up to `at` (their latest
        conversation there that is not closed)."""
        moved = await self._mark_read(None, "citizen_read_id", "out", at=at, where=(
            (Conversation.channel == channel) & (Conversation.citizen_address == user_id)
            & (Conversation.status != "closed")))
        if moved:
            await self._changed(moved[0], "read", moved[2], read={"by": "citizen", "up_to": moved[1]})

    def _check_files(self, files: list[tuple[str, bytes]]):
        """The same checks as uploads, file by file: what is refused is named, not kept."""
        checked, refused = [], []
        for name, data in files:
            try:
                checked += self.attachments.check([Upload(name, data)], documents=True)
            except Refused as exc:
                refused.append({"filename": name[:200], "reason": str(exc)})
        if len(checked) > 5:
            refused += [{"filename": c.upload.filename[:200], "reason": "Tối đa 5 tệp đính kèm"} for c in checked[5:]]
            checked = checked[:5]
        return checked, refused

    # -- operators -------------------------------------------------------------------------------
    async def listing(self, operator: str | None = None, include_closed: bool = False,
                      include_secret: bool = True) -> list[dict]:
        """Open and answered conversations, the waiting ones first; an operator sees those nobody
        has taken and her own; a supervisor (operator None) sees all; those whose ticket is a state
        secret only where `include_secret`."""
        unread = (select(func.count(ConversationMessage.id)).where(
            ConversationMessage.conversation_id == Conversation.id, ConversationMessage.direction == "in",
            ConversationMessage.id > func.coalesce(Conversation.operator_read_id, 0))
            .correlate(Conversation).scalar_subquery())
        q = select(Conversation, Ticket.code, unread).outerjoin(Ticket, Conversation.ticket_id == Ticket.id)
        if not include_closed:
            q = q.where(Conversation.status != "closed")
        if operator is not None:
            q = q.where(or_(Conversation.assignee.is_(None), Conversation.assignee == operator))
        if not include_secret:
            q = q.where(or_(Ticket.id.is_(None), Ticket.state_secret.is_(False)))
        async with self.sessions() as s:
            rows = (await s.execute(q.order_by(Conversation.status.desc(), Conversation.last_message_at)
                                    .limit(500))).all()
        return [{**self._summary(c, code), "unread": n} for c, code, n in rows]

    @staticmethod
    def _summary(c: Conversation, code: str | None) -> dict:
        return {"id": c.id, "channel": c.channel, "citizen_address": c.citizen_address,
                "citizen_name": c.citizen_name, "subject": c.subject, "status": c.status, "assignee": c.assignee,
                "ticket_id": c.ticket_id, "ticket_code": code, "created_at": c.created_at.isoformat(),
                "last_message_at": c.last_message_at.isoformat(),
                "reply_due_at": aware(c.reply_due_at).isoformat() if c.reply_due_at else None,
                "overdue": c.escalated_at is not None}

    async def state_secret(self, conversation_id: int) -> bool:
        """Whether the conversation belongs to a state-secret ticket (who may act on it); Refused
        404 when there is no such conversation. One row read, not the thread (detail())."""
        async with self.sessions() as s:
            row = (await s.execute(select(Conversation.id, Ticket.state_secret).outerjoin(
                Ticket, Conversation.ticket_id == Ticket.id).where(Conversation.id == conversation_id))).first()
        if row is None:
            raise Refused(404, "Không có hội thoại này")
        return bool(row[1])

    async def detail(self, conversation_id: int) -> dict:
        async with self.sessions() as s:
            row = (await s.execute(select(Conversation, Ticket.code, Ticket.state_secret).outerjoin(
                Ticket, Conversation.ticket_id == Ticket.id).where(Conversation.id == conversation_id))).first()
            if row is None:
                raise Refused(404, "Không có hội thoại này")
            messages = list(await s.scalars(select(ConversationMessage).where(
                ConversationMessage.conversation_id == conversation_id).order_by(ConversationMessage.id)))
        conv, code, secret = row
        return {**self._summary(conv, code), "state_secret": bool(secret), "operator_read_id": conv.operator_read_id,
                "citizen_read_id": conv.citizen_read_id, "messages": [message_view(m) for m in messages]}

    async def take(self, conversation_id: int, operator: str, force: bool = False) -> dict:
        """The operator takes the conversation (a supervisor may give it to anyone: `force`); the
        draft ticket becomes hers to complete."""
        async with self.sessions() as s, s.begin():
            if not force:
                held = (await self._load(s, [operator], skip=conversation_id))[operator]
                if held >= self.policy.max_per_operator:
                    raise Refused(409, f"Bạn đang xử lý {held} hội thoại (tối đa {self.policy.max_per_operator}); "
                                       "hãy trả lời hoặc đóng bớt trước khi nhận thêm", "conversation_capacity")
            # One conditional UPDATE: of two operators taking it at once, one changes the row; a
            # closed conversation is taken by nobody (the citizen writing again opens a new one).
            cond = (Conversation.id == conversation_id) & (Conversation.status != "closed")
            if not force:
                cond = cond & or_(Conversation.assignee.is_(None), Conversation.assignee == operator)
            done = await s.execute(update(Conversation).where(cond).values(assignee=operator)
                                   .execution_options(synchronize_session=False))
            conv = await s.get(Conversation, conversation_id)
            if conv is None:
                raise Refused(404, "Không có hội thoại này")
            if done.rowcount != 1 and conv.status == "closed":
                raise Refused(409, "Hội thoại đã đóng", "conversation_closed")
            if done.rowcount != 1:
                raise Refused(409, f"Hội thoại đã do {conv.assignee} xử lý", "conversation_taken")
            await s.execute(update(Ticket).where(Ticket.id == conv.ticket_id, Ticket.draft.is_(True))
                            .values(operator_id=operator).execution_options(synchronize_session=False))
        await self._changed(conversation_id, "taken")
        return await self.detail(conversation_id)

    async def reply(self, conversation_id: int, operator: str, text: str, now: datetime | None = None) -> dict:
        now = now or datetime.now(timezone.utc)
        text = text.strip()
        if not text:
            raise Refused(422, "Nội dung trả lời trống")
        async with self.sessions() as s, s.begin():
            conv = await s.get(Conversation, conversation_id)
            if conv is None:
                raise Refused(404, "Không có hội thoại này")
            if conv.assignee != operator:
                raise Refused(409, "Hãy nhận hội thoại trước khi trả lời", "conversation_not_taken")
            if conv.status == "closed":
                raise Refused(409, "Hội thoại đã đóng", "conversation_closed")
            key = f"conversation:{conv.id}:reply:{now.timestamp():.6f}"
            channel = self.channels[conv.channel]
            msg = await channel.send(s, conv, text, operator, now, key)
            conv.status, conv.last_message_at = "answered", now
            conv.reply_due_at = conv.reminded_at = conv.escalated_at = None
            conv.first_reply_at = conv.first_reply_at or now
            if conv.ticket_id:
                add_event(s, conv.ticket_id, operator, "conversation_reply", at=now, conversation=conv.id)
            await s.flush()
            message_id = msg.id
        await channel.sent(conversation_id, msg)  # wakes only the outbox the answer went to
        await self._changed(conversation_id, "answered", operator, msg)
        return {"id": message_id, "status": "answered"}

    async def close(self, conversation_id: int, operator: str | None = None) -> None:
        """Close it: an operator only her own (`operator`), a supervisor any (None)."""
        async with self.sessions() as s, s.begin():
            conv = await s.get(Conversation, conversation_id)
            if conv is None:
                raise Refused(404, "Không có hội thoại này")
            if operator is not None and conv.assignee != operator:
                raise Refused(409, "Hãy nhận hội thoại trước khi đóng", "conversation_not_taken")
            conv.status = "closed"
            if conv.ticket_id:  # the whole exchange goes with the ticket
                messages = list(await s.scalars(select(ConversationMessage).where(
                    ConversationMessage.conversation_id == conv.id).order_by(ConversationMessage.id)))
                add_event(s, conv.ticket_id, operator or "supervisor", "conversation_closed", conversation=conv.id,
                          transcript=[{"direction": m.direction, "author": m.author, "body": m.body[:5000],
                                       "at": m.created_at.isoformat()} for m in messages])
        if self.bus is not None:
            await self.bus.publish(ChatToCitizen(data={"conversation_id": conversation_id, "closed": True}))
        await self._changed(conversation_id, "closed")
