"""Transfers as the operator drives them from the desktop, and as Asterisk reports them back.

Warm (attended): AMI Atxfer on the operator's leg. Asterisk holds the caller (music on hold) and
connects the operator to the consultation leg (`hotline-transfer,1`), which dials the agency
through its route. Complete = the operator's leg hangs up (Asterisk then bridges caller and
agency; the caller's recording goes on). Cancel = the agency leg is hung up (the operator gets
the caller back). A failed dial (busy, no answer, unreachable) ends the consultation leg, which
also gives the caller back. If the operator's leg vanishes (browser closed; hung up by the RTP
timeout), Asterisk completes the transfer once the agency has answered.
Blind: AMI BlindTransfer sends the caller to `hotline-transfer,2` (dial the agency; if nobody
answers, back to the front of its queue). Back to a queue: `hotline-transfer,3`.

The outcome of every transfer is written to the store as it happens; live correlation (which
channel is the agency leg) is kept here only while the call lasts.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.agencies.directory import AgencyDirectory
from hotline.config.profile import Profile
from hotline.cti.actions import CtiActions
from hotline.cti.ami import ActionError
from hotline.events.bus import EventBus
from hotline.events.types import (CallEnded, Event, LegAttendedTransfer, LegDialBegin, LegDialEnd, LegHangup,
                                TransferUpdated)
from hotline.errors import Refused
from hotline.security.masking import mask_code, mask_phone
from hotline.settings import Settings
from hotline.ticketing import views
from hotline.ticketing.handling import TicketHandling
from hotline.ticketing.store import TicketStore
from hotline.transfers.outcomes import FAILED, outcome_of_dial
from hotline.transfers.records import TransferRecords, transfer_public
from hotline.transfers.slips import FOLLOWED, TransferFollowUp, send_slip

log = logging.getLogger(__name__)
CONTEXT = "hotline-transfer"
ROUTE_PREFIX = "PJSIP/route-"


@dataclass
class Live:
    """A transfer in progress on a live call."""

    transfer_id: int
    kind: str
    operator: str
    operator_channel: str | None
    agency_channel: str | None = None
    cancel_requested: bool = False
    completing: bool = False


class TransferService:
    def __init__(self, settings: Settings, profile: Profile, sessions: async_sessionmaker, cti: CtiActions,
                 bus: EventBus, store: TicketStore, directory: AgencyDirectory, handling: TicketHandling):
        self.settings = settings
        self.profile = profile
        self.sessions = sessions
        self.cti = cti
        self.bus = bus
        self.store = store
        self.directory = directory
        self.records = TransferRecords(sessions)
        self.handling = handling  # the workflow: a slip is the ticket's transfer to the agency
        self.follow_up = TransferFollowUp(sessions, handling)  # a completed transfer assigns the ticket
        self.live: dict[str, Live] = {}  # linkedid -> the transfer in progress
        # Operators' commands run one at a time (they are rare, and each is a few AMI actions):
        # no double start on one call, no complete racing a cancel.
        self._lock = asyncio.Lock()
        bus.subscribe(self.on_dial_begin, LegDialBegin)
        bus.subscribe(self.on_dial_end, LegDialEnd)
        bus.subscribe(self.on_attended_transfer, LegAttendedTransfer)
        bus.subscribe(self.on_leg_hangup, LegHangup)
        bus.subscribe(self.on_call_ended, CallEnded)

    # -- what the operator asks for -----------------------------------------------------------
    def _talking_call(self, operator: str, linkedid: str):
        call = self.cti.model.calls.get(linkedid)
        if call is None or call.state != "talking" or call.agent != operator or not call.agent_channel:
            raise Refused(409, "Bạn không có cuộc gọi đang nói chuyện này")
        return call

    async def _agency_number(self, agency_id: int, target: str) -> tuple:
        found = await self.directory.get(agency_id)
        if found is None or not found[0].active:
            raise Refused(404, "Không có cơ quan này trong danh bạ")
        agency, contacts = found
        if target == "agency":
            number = agency.phone
        elif target == "focal_point":
            number = next((c.phone for c in contacts if c.role == "focal_point"), None)
        else:
            raise Refused(400, "Nơi chuyển phải là agency (số cơ quan) hoặc focal_point (cán bộ đầu mối)")
        if not number:
            who = "số điện thoại" if target == "agency" else "cán bộ đầu mối có số điện thoại"
            raise Refused(409, f"{agency.name} chưa có {who}: không chuyển được")
        if agency.route not in self.settings.routes:
            raise Refused(409, f"Tuyến gọi {agency.route!r} của {agency.name} chưa được cấu hình")
        return agency, number

    def _dial_vars(self, agency, number: str) -> dict[str, str]:
        route = self.settings.routes[agency.route]
        return {"__HOTLINE_XFER_ROUTE": agency.route, "__HOTLINE_XFER_NUMBER": number,
                "__HOTLINE_XFER_CLI": route.caller_id or self.profile.numbers.national}

    async def start(self, operator: str, linkedid: str, kind: str, agency_id: int | None = None,
                    target: str = "agency", queue: str | None = None) -> dict:
        if kind not in ("warm", "blind", "queue"):
            raise Refused(400, "Kiểu chuyển phải là warm, blind hoặc queue")
        async with self._lock:
            call = self._talking_call(operator, linkedid)
            if linkedid in self.live:
                raise Refused(409, "Cuộc gọi đang được chuyển")
            ticket = await self.store.ticket_for_call(linkedid)
            fields = {"ticket_id": ticket.id if ticket else None, "linkedid": linkedid, "operator_id": operator,
                      "kind": kind}
            if kind == "queue":
                queues = self.profile.queues.by_id()
                if queue not in queues:
                    raise Refused(404, "Không có hàng đợi này")
                fields["queue"] = queue
                variables = {"HOTLINE_XFER_QUEUE": queue,
                             "HOTLINE_XFER_QUEUE_TIMEOUT": str(queues[queue].max_wait_seconds or "")}
            else:
                if agency_id is None:
                    raise Refused(400, "Chọn cơ quan cần chuyển")
                agency, number = await self._agency_number(agency_id, target)
                fields.update(agency_id=agency.id, agency_name=agency.name, target=target, number=number)
                variables = self._dial_vars(agency, number)
            record = await self.records.start(operator, **fields)
            live = Live(record.id, kind, operator, call.agent_channel)
            self.live[linkedid] = live
            try:
                if kind == "warm":
                    await self.cti.set_vars(call.agent_channel, variables)
                    await self.cti.attended_transfer(call.agent_channel, CONTEXT, "1")
                else:
                    await self.cti.set_vars(call.channel, variables)
                    await self.cti.blind_transfer(call.agent_channel, CONTEXT, "2" if kind == "blind" else "3")
            except (ActionError, asyncio.TimeoutError) as exc:
                self.live.pop(linkedid, None)
                await self._finish(linkedid, record.id, "failed", operator)
                raise Refused(502, f"Tổng đài không thực hiện được lệnh chuyển: {exc}") from exc
            if kind == "queue":  # the caller is back in a queue: nothing more to follow
                self.live.pop(linkedid, None)
                record = await self._finish(linkedid, record.id, "completed", operator) or record
        log.info("%s transfer %d of call %s by %s: %s", kind, record.id, linkedid, operator,
                 fields.get("agency_name") or queue)
        return transfer_public(record)

    def _own_live(self, operator: str, transfer_id: int) -> Live:
        for live in self.live.values():
            if live.transfer_id == transfer_id:
                if live.operator != operator:
                    raise Refused(403, "Lượt chuyển này không phải của bạn")
                return live
        raise Refused(409, "Lượt chuyển đã kết thúc")

    async def complete(self, operator: str, transfer_id: int) -> dict:
        async with self._lock:
            live = self._own_live(operator, transfer_id)
            if live.completing:
                raise Refused(409, "Đang hoàn tất lượt chuyển này")
            if live.kind != "warm":
                raise Refused(409, "Chỉ chuyển có tư vấn mới cần hoàn tất")
            record = await self.records.get(transfer_id)
            if record.outcome != "consulting":
                raise Refused(409, "Cơ quan chưa nghe máy: chưa thể hoàn tất")
            live.completing = True
            try:
                await self.cti.hangup(live.operator_channel)  # Asterisk bridges caller and agency
            except ActionError as exc:
                live.completing = False
                raise Refused(409, f"Không hoàn tất được: {exc}") from exc
        return transfer_public(record)

    async def cancel(self, operator: str, transfer_id: int) -> dict:
        async with self._lock:
            live = self._own_live(operator, transfer_id)
            if live.completing:
                raise Refused(409, "Lượt chuyển đang được hoàn tất")
            if live.cancel_requested:
                raise Refused(409, "Đang hủy lượt chuyển")
            if not live.agency_channel:
                raise Refused(409, "Chưa gọi tới cơ quan: thử lại sau giây lát")
            live.cancel_requested = True
            try:
                await self.cti.hangup(live.agency_channel)
            except ActionError as exc:
                live.cancel_requested = False
                raise Refused(409, f"Không hủy được: {exc}") from exc
        return transfer_public(await self.records.get(transfer_id))

    async def slip(self, actor: str, transfer_id: int, operator: str | None = None) -> dict:
        """Send the transfer slip of a failed transfer (by the operator who made it, or a supervisor)."""
        record = await self.records.get(transfer_id)
        if record is None:
            raise Refused(404, "Không có lượt chuyển này")
        if operator is not None and record.operator_id != operator:
            raise Refused(403, "Lượt chuyển này không phải của bạn")
        ticket, sms = await send_slip(self.sessions, self.handling, transfer_id, actor)
        log.info("transfer slip for ticket %s to %s, due %s", mask_code(ticket.code), mask_phone(sms.to_number), ticket.due_at)
        updated = transfer_public(await self.records.get(transfer_id))
        await self._publish(updated)
        wf = self.handling.workflow
        return {"transfer": updated, "ticket": views.work_item(ticket, wf.step(ticket.handling_stage or wf.initial),
                                                               datetime.now(timezone.utc), record.agency_name)}

    # -- what Asterisk reports: one method per event ----------------------------------------------
    def _following(self, ev: Event) -> Live | None:
        return self.live.get(ev.linkedid or "")

    async def on_dial_begin(self, ev: LegDialBegin) -> None:
        live = self._following(ev)
        if live and (ev.dest_channel or "").startswith(ROUTE_PREFIX):
            live.agency_channel = ev.dest_channel
            if live.cancel_requested:  # cancelled before the agency leg existed
                await self._hangup(live.agency_channel)

    async def on_dial_end(self, ev: LegDialEnd) -> None:
        live = self._following(ev)
        if live is None or ev.dest_channel != live.agency_channel:
            return
        outcome = outcome_of_dial(ev.dial_status)
        if outcome is None:
            new = "consulting" if live.kind == "warm" else "completed"
            record = await self.records.answered(live.transfer_id, new)
            if new == "completed":
                self.cti.model.mark_transferred(ev.linkedid, record.agency_name)
            await self._publish(transfer_public(record))
            if new == "completed":
                await self._follow(record, "system")
        else:
            await self._end(ev.linkedid, live, "cancelled" if live.cancel_requested else outcome)

    async def on_attended_transfer(self, ev: LegAttendedTransfer) -> None:
        live = self._following(ev)
        if live and live.kind == "warm" and ev.result == "Success":
            record = await self.records.get(live.transfer_id)
            self.cti.model.mark_transferred(ev.linkedid, record.agency_name)
            await self._end(ev.linkedid, live, "completed")

    async def on_leg_hangup(self, ev: LegHangup) -> None:
        live = self._following(ev)
        if live and ev.channel == live.agency_channel:
            # The agency leg ended while consulting: hung up by the agency, or by our cancel.
            await self._end(ev.linkedid, live, "cancelled" if live.cancel_requested else "agency_hung_up")

    async def on_call_ended(self, ev: CallEnded) -> None:
        live = self._following(ev)
        if live:
            await self._end(ev.linkedid, live, "caller_hung_up")
            for channel in (live.agency_channel, live.operator_channel if live.kind == "warm" else None):
                await self._hangup(channel)

    async def _hangup(self, channel: str | None) -> None:
        if channel:
            try:
                await self.cti.hangup(channel)
            except ActionError:
                pass  # already gone

    async def _end(self, lid: str, live: Live, outcome: str) -> None:
        self.live.pop(lid, None)
        await self._finish(lid, live.transfer_id, outcome, "system")

    async def _finish(self, lid: str, transfer_id: int, outcome: str, actor: str):
        record = await self.records.finish(transfer_id, outcome, actor)
        if record is None:
            return None
        log.info("transfer %d of call %s: %s", transfer_id, lid, outcome)
        await self._publish(transfer_public(record))
        if outcome == "completed":
            await self._follow(record, actor)
        if outcome in FAILED and self.profile.transfers.auto_slip and record.agency_id:
            try:
                await self.slip("system", transfer_id)
            except Refused as exc:
                log.warning("automatic slip for transfer %d not sent: %s", transfer_id, exc)
        return record

    async def _follow(self, record, actor: str) -> None:
        """A transfer that put the caller through to an agency assigns the ticket to it."""
        if record.kind not in FOLLOWED or record.agency_id is None:
            return
        try:
            if await self.follow_up.completed(record.id, record.operator_id or actor):
                await self._publish(transfer_public(await self.records.get(record.id)))
        except Refused as exc:
            log.warning("completed transfer %d not followed up: %s", record.id, exc)

    async def _publish(self, data: dict) -> None:
        await self.bus.publish(TransferUpdated(data=data, agent=data["operator_id"]))

    async def recover(self) -> None:
        n = await self.records.interrupt_unfinished()
        if n:
            log.warning("%d transfer(s) were in progress when the hotline stopped: marked interrupted", n)

