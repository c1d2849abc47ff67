"""TicketHandling's decisions with fakes for its collaborators: no database, no files, no
clock but the one given; each test runs in milliseconds. What a move writes is what the fake
session receives (the conditional UPDATE's values, the history lines); whom it tells is what the
fake notices receive. The same moves against SQLite and PostgreSQL: tests/store."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.sql import Update

from hotline.config.profile import load_profile
from hotline.config.statuses import SPOKEN_STATUSES
from hotline.errors import Refused
from hotline.settings import DEFAULT_CONFIG_DIR
from hotline.store.agencies import Agency, AgencyContact
from hotline.store.tickets import Ticket, TicketEvent
from hotline.ticketing.handling import ALSO_ASKED, Actor, Payload, TicketHandling
from hotline.ticketing.workflow import Workflow

UTC, VN = timezone.utc, ZoneInfo("Asia/Ho_Chi_Minh")
OPERATOR = Actor("op1", frozenset({"operator"}))
AGENCY = Actor("dungle", frozenset({"agency"}), agency_id=7)
MONDAY_9 = datetime(2026, 12, 7, 9, 0, tzinfo=VN).astimezone(UTC)  # a working Monday, 09:00 in Đồng Tháp


class FakeSession:
    """The part of an AsyncSession a move uses, over one ticket row and the agencies given: the
    ticket's UPDATE applies only while the row still has the version it names (as the database's
    conditional UPDATE does)."""

    def __init__(self, ticket: Ticket, agencies: dict[int, Agency] | None = None, focal: AgencyContact | None = None):
        self.ticket, self.agencies, self.focal = ticket, agencies or {}, focal
        self.row_version = ticket.version  # the version in the store (another tab may have moved it)
        self.added: list = []
        self.updates: list[dict] = []

    async def get(self, cls, key):
        return self.agencies.get(key) if cls is Agency else None

    async def scalar(self, query):  # the only query of these moves: the agency's focal point
        return self.focal

    def add(self, obj) -> None:
        self.added.append(obj)

    async def flush(self) -> None:
        pass

    async def execute(self, stmt: Update):
        params = stmt.compile().params
        applied = params.get("version_1") == self.row_version
        if applied:
            values = {k: v for k, v in params.items() if k in Ticket.__table__.columns}
            self.updates.append(values)
            for key, value in values.items():
                setattr(self.ticket, key, value)
            self.row_version = self.ticket.version
        return type("Result", (), {"rowcount": int(applied)})()

    async def refresh(self, obj) -> None:
        pass

    def events(self) -> list[TicketEvent]:
        return [e for e in self.added if isinstance(e, TicketEvent)]


class FakeNotices:
    lookup_url = "https://1022.example.vn"

    def __init__(self):
        self.moves: list = []

    async def on_move(self, s, t, move) -> None:
        self.moves.append((t.code, move))


class FakeCoordination:
    def __init__(self):
        self.asked: list = []

    async def ask_in(self, s, t, actor, agency_id, text, now) -> None:
        self.asked.append((t.code, actor, agency_id, text))


@pytest.fixture(scope="module")
def profiles():
    return {p: load_profile(DEFAULT_CONFIG_DIR, p, SPOKEN_STATUSES) for p in ("dong_thap", "quang_ninh")}


def handling_of(profile) -> tuple[TicketHandling, FakeNotices, FakeCoordination]:
    notices, coordination = FakeNotices(), FakeCoordination()
    # Letters and documents take no part in moves: nothing is given for them.
    return TicketHandling(None, profile, Workflow(profile.workflow, profile.calendar), notices, coordination,
                          letters=None, transfer_documents=None, documents=None), notices, coordination


def received(at: datetime = MONDAY_9, **fields) -> Ticket:
    return Ticket(**{"id": 1, "code": "26120701", "version": 3, "draft": False, "topic": "infrastructure",
                     "channel": "phone", "caller_phone": "0912345678", "handling_stage": "received",
                     "status": "received", "created_at": at, "stage_entered_at": at, "counts": {},
                     "confidential": False, "state_secret": False, **fields})


def electricity() -> tuple[dict[int, Agency], AgencyContact]:
    return {7: Agency(id=7, name="Công ty Điện lực", active=True), 8: Agency(id=8, name="Sở Xây dựng", active=True),
            9: Agency(id=9, name="Sở Công Thương", active=True)}, AgencyContact(id=70, agency_id=7, role="focal_point")


async def test_submission_starts_the_first_deadline_and_sends_the_receipt(profiles):
    handling, notices, _ = handling_of(profiles["quang_ninh"])  # the reception's own deadline: 1 working day
    t = received(handling_stage=None, status=None, stage_entered_at=None)
    s = FakeSession(t)
    await handling.submit(s, t, OPERATOR, MONDAY_9)
    assert (t.handling_stage, t.status, t.stage_entered_at) == ("received", "received", MONDAY_9)
    assert t.due_at.astimezone(VN) == datetime(2026, 12, 8, 9, 0, tzinfo=VN)
    assert [(code, m.action, m.stage, m.notify) for code, m in notices.moves] == \
        [("26120701", "submitted", "received", ["citizen"])]  # the receipt SMS
    assert [(e.action, e.actor, e.detail["channel"]) for e in s.events()] == [("submitted", "op1", "phone")]


async def test_transfer_gives_the_focal_point_eight_working_hours_and_tells_it(profiles):
    handling, notices, coordination = handling_of(profiles["dong_thap"])
    t = received()
    agencies, focal = electricity()
    s = FakeSession(t, agencies, focal)
    move = await handling.apply(s, t, "transfer", OPERATOR, Payload(agency_id=7), MONDAY_9)
    # 09:00 Monday + 8 working hours (07:00-11:30, 13:30-17:00) = 09:00 Tuesday; reminded 2 hours before.
    assert t.due_at.astimezone(VN) == datetime(2026, 12, 8, 9, 0, tzinfo=VN)
    assert t.remind_at.astimezone(VN) == datetime(2026, 12, 8, 7, 0, tzinfo=VN)
    assert (t.handling_stage, t.status, t.agency_id, t.assignee_contact_id) == ("focal_point", "in_progress", 7, 70)
    assert (t.version, t.transferred_at, t.classification, t.counts) == (4, MONDAY_9, "transfer", {"transfer": 1})
    assert move.notify == ["focal_point"] and notices.moves == [("26120701", move)]  # the transfer slip
    [event] = s.events()
    assert (event.action, event.detail["agency"], event.detail["to"]) == ("transfer", "Công ty Điện lực", "focal_point")
    assert coordination.asked == []


async def test_a_move_on_a_ticket_changed_meanwhile_is_refused_and_tells_nobody(profiles):
    handling, notices, _ = handling_of(profiles["dong_thap"])
    t = received()
    agencies, focal = electricity()
    s = FakeSession(t, agencies, focal)
    s.row_version = 4  # another operator's tab moved it first
    with pytest.raises(Refused) as refused:
        await handling.apply(s, t, "transfer", OPERATOR, Payload(agency_id=7), MONDAY_9)
    assert refused.value.status == 409
    assert (s.updates, s.events(), notices.moves) == ([], [], [])


async def test_what_a_move_needs_is_asked_for_before_anything_is_written(profiles):
    handling, notices, _ = handling_of(profiles["dong_thap"])
    t = received()
    agencies, focal = electricity()
    agencies[7].active = False
    s = FakeSession(t, agencies, focal)
    with pytest.raises(Refused, match="Thiếu cơ quan xử lý"):
        await handling.apply(s, t, "transfer", OPERATOR, Payload(), MONDAY_9)
    with pytest.raises(Refused, match="Không có cơ quan này"):
        await handling.apply(s, t, "transfer", OPERATOR, Payload(agency_id=7), MONDAY_9)
    with pytest.raises(Refused):  # an agency may not transfer a ticket the hotline holds
        await handling.apply(s, t, "transfer", AGENCY, Payload(agency_id=8), MONDAY_9)
    assert (s.updates, s.events(), notices.moves) == ([], [], [])


async def test_other_agencies_named_at_transfer_are_each_asked_once_for_their_part(profiles):
    handling, notices, coordination = handling_of(profiles["quang_ninh"])
    t = received()
    agencies, focal = electricity()
    s = FakeSession(t, agencies, focal)
    await handling.apply(s, t, "transfer", OPERATOR, Payload(agency_id=7, also_agency_ids=[8, 9, 8]), MONDAY_9)
    text = ALSO_ASKED.format(lead="Công ty Điện lực")
    assert coordination.asked == [("26120701", "op1", 8, text), ("26120701", "op1", 9, text)]
    assert [m.action for _, m in notices.moves] == ["transfer"]
