"""The transfer service's state logic on a real SQLite store, with Asterisk's side played by a
recorder of AMI actions (the end-to-end evidence is tests/integration/test_transfers.py)."""

from sqlalchemy import select

from hotline.agencies.directory import AgencyDirectory
from hotline.agencies.schemas import AgencyIn
from hotline.app import load_checked_profile
from hotline.config.profile import TransferPolicy
from hotline.events.bus import EventBus
from hotline.events.types import CallEnded, LegDialBegin, LegDialEnd, LegHangup
from hotline.cti.model import CtiModel
from hotline.settings import Settings
from hotline.store.db import make_engine, migrate, sessionmaker
from hotline.store.outbox import SmsMessage
from hotline.store.tickets import Ticket
from hotline.ticketing.store import TicketStore
from hotline.ticketing.handling import TicketHandling
from hotline.transfers.service import TransferService

CALLER = {"Channel": "PJSIP/trunk-00000001", "Uniqueid": "7.1", "Linkedid": "7.1", "CallerIDNum": "0912345678"}


class RecordedCti:
    def __init__(self):
        self.model = CtiModel()
        self.actions: list[tuple] = []

    async def set_vars(self, channel, variables):
        self.actions.append(("setvars", channel, variables))

    async def attended_transfer(self, channel, context, exten):
        self.actions.append(("atxfer", channel, context, exten))

    async def blind_transfer(self, channel, context, exten):
        self.actions.append(("blind", channel, context, exten))

    async def hangup(self, channel):
        self.actions.append(("hangup", channel))


async def setup(tmp_path, auto_slip: bool):
    settings = Settings(home=tmp_path)
    profile = load_checked_profile(settings)
    profile.transfers = TransferPolicy(auto_slip=auto_slip)
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 't.db'}")
    await migrate(engine)
    sessions = sessionmaker(engine)
    store = TicketStore(sessions)
    directory = AgencyDirectory(sessions)
    agency, _ = await directory.save(AgencyIn(
        name="Sở Giao thông vận tải", level="province", phone="02773851001",
        contacts=[{"role": "focal_point", "name": "Nguyễn Văn Bình", "phone": "0911000001"}]))
    cti = RecordedCti()
    bus = EventBus()
    published = []

    async def keep(ev):
        published.append(ev)

    bus.subscribe(keep)
    service = TransferService(settings, profile, sessions, cti, bus, store, directory,
                              TicketHandling.of(settings, sessions, profile))
    m = cti.model
    m.apply({"Event": "Newchannel", **CALLER})
    m.apply({"Event": "QueueCallerJoin", "Queue": "infrastructure", **CALLER})
    m.apply({"Event": "AgentConnect", "Queue": "infrastructure", "MemberName": "op1",
             "DestChannel": "PJSIP/op1-00000002", **CALLER})
    await store.draft_for_call("7.1", "0912345678", "infrastructure", "op1", None)
    return engine, sessions, service, cti, agency, published


async def test_busy_agency_with_automatic_slip(tmp_path):
    engine, sessions, service, cti, agency, published = await setup(tmp_path, auto_slip=True)
    t = await service.start("op1", "7.1", "warm", agency.id)
    assert cti.actions[0][0] == "setvars" and cti.actions[0][2]["__HOTLINE_XFER_NUMBER"] == "02773851001"
    assert cti.actions[1] == ("atxfer", "PJSIP/op1-00000002", "hotline-transfer", "1")
    await service.bus.publish(LegDialBegin(call="7.1", dest_channel="PJSIP/route-local-3"))
    await service.bus.publish(LegDialEnd(call="7.1", dest_channel="PJSIP/route-local-3", dial_status="BUSY"))
    assert "7.1" not in service.live
    async with sessions() as s:
        ticket = (await s.scalars(select(Ticket))).one()
        sms = (await s.scalars(select(SmsMessage))).one()
    assert ticket.agency_id == agency.id and ticket.due_at is not None and sms.to_number == "0911000001"
    outcomes = [e.data["outcome"] for e in published if e.kind == "transfer.updated"]
    assert outcomes == ["busy", "busy"]  # the outcome, then the slip sent on it
    assert (await service.records.get(t["id"])).slip_sent_at is not None
    await engine.dispose()


async def test_caller_hanging_up_mid_consultation_hangs_up_the_other_legs(tmp_path):
    engine, sessions, service, cti, agency, published = await setup(tmp_path, auto_slip=False)
    await service.start("op1", "7.1", "warm", agency.id)
    await service.bus.publish(LegDialBegin(call="7.1", dest_channel="PJSIP/route-local-3"))
    await service.bus.publish(LegDialEnd(call="7.1", dest_channel="PJSIP/route-local-3", dial_status="ANSWER"))
    assert (await service.records.for_call("7.1"))[0].outcome == "consulting"
    await service.bus.publish(CallEnded(data={"linkedid": "7.1"}))
    assert ("hangup", "PJSIP/route-local-3") in cti.actions and ("hangup", "PJSIP/op1-00000002") in cti.actions
    assert (await service.records.for_call("7.1"))[0].outcome == "caller_hung_up"
    # Late events about the gone call change nothing.
    await service.bus.publish(LegHangup(call="7.1", channel="PJSIP/route-local-3"))
    assert (await service.records.for_call("7.1"))[0].outcome == "caller_hung_up"
    async with sessions() as s:
        assert (await s.scalars(select(SmsMessage))).all() == []  # no slip without the policy or a click
    await engine.dispose()


async def test_a_second_transfer_while_one_runs_is_refused_and_unfinished_ones_are_marked_at_start(tmp_path):
    engine, sessions, service, cti, agency, published = await setup(tmp_path, auto_slip=False)
    await service.start("op1", "7.1", "warm", agency.id)
    try:
        await service.start("op1", "7.1", "blind", agency.id)
        raise AssertionError("a second transfer was accepted")
    except Exception as exc:
        assert getattr(exc, "status", None) == 409
    assert await service.records.interrupt_unfinished() == 1
    assert (await service.records.for_call("7.1"))[0].outcome == "interrupted"
    await engine.dispose()
