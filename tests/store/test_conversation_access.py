"""Written conversations follow the tickets' access rules, over HTTP (in-process server, real store
on SQLite and PostgreSQL): a conversation whose ticket is a state secret is neither listed nor shown
to roles that may not read such tickets; every thread read is in the personal-data audit; an
operator account without a softphone has no inbox (it does not see everyone's); a closed
conversation cannot be taken or given."""

from email.message import EmailMessage

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select, update

from hotline.agent_desktop.accounts import Accounts
from hotline.agent_desktop.conversations_api import ConversationsApi
from hotline.conversations.mail import parse
from hotline.conversations.service import Conversations
from hotline.privacy.audit import PersonalDataAudit
from hotline.store.conversations import Conversation
from hotline.store.privacy import AuditEntry
from hotline.store.tickets import Ticket
from hotline.ticketing.attachments import Attachments
from hotline.ticketing.store import TicketStore
from hotline.web.auth import COOKIE, refusals
from tests.store.support import call, signed_in


def mail(message_id: str, sender: str, subject: str) -> object:
    msg = EmailMessage()
    msg["From"], msg["To"] = sender, "tongdai1022@dongthap.gov.vn"
    msg["Subject"], msg["Message-ID"] = subject, message_id
    msg.set_content("Nội dung phản ánh.")
    return parse(bytes(msg))


@pytest.fixture
async def desk(sessions, tmp_path):
    conversations = Conversations(sessions, TicketStore(sessions), Attachments(sessions, tmp_path / "files"),
                                  "tongdai1022@dongthap.gov.vn")
    accounts = Accounts(sessions)
    app = web.Application(middlewares=[refusals])
    ConversationsApi(accounts, conversations, {"op1", "op2"}, frozenset({"supervisor", "admin"}),
                     PersonalDataAudit(sessions)).register(app.router)
    server = TestServer(app)
    await server.start_server()
    clients = await signed_in(accounts, [("op1", "operator", None), ("op2", "operator", None),
                                         ("giamsat", "supervisor", None)])
    # An operator account with no softphone (a trainee, or one whose phone was taken away).
    await accounts.create_user("hocviec", "Học việc", "operator", "mat-khau-dai-1")
    token = await accounts.open_session((await accounts.authenticate("hocviec", "mat-khau-dai-1")).principal)
    clients["hocviec"] = aiohttp.ClientSession(cookies={COOKIE: token})
    yield conversations, server, clients
    for c in clients.values():
        await c.close()
    await server.close()


async def test_state_secrets_audit_and_accounts_without_a_softphone(sessions, desk):
    conversations, server, c = desk
    plain = await conversations.receive_mail(mail("<p1@example.vn>", "Lê Thị Hoa <hoa@example.vn>", "Đèn hỏng"))
    secret = await conversations.receive_mail(mail("<s1@example.vn>", "Trần Văn Bảo <bao@example.vn>", "Tố cáo"))
    async with sessions() as s, s.begin():
        conv = await s.get(Conversation, secret)
        await s.execute(update(Ticket).where(Ticket.id == conv.ticket_id).values(state_secret=True))

    status, listing = await call(c["op1"], server, "GET", "/api/conversations")
    assert status == 200 and [x["id"] for x in listing] == [plain]
    status, _ = await call(c["op1"], server, "GET", f"/api/conversations/{secret}")
    assert status == 404
    # Nor acted on: to her it does not exist (taking, answering, reading, typing, closing).
    for action, body in (("take", {}), ("reply", {"text": "Chào anh"}), ("read", {"up_to": 1}),
                         ("typing", {}), ("close", {})):
        status, _ = await call(c["op1"], server, "POST", f"/api/conversations/{secret}/{action}", body)
        assert status == 404, action
    async with sessions() as s:
        untouched = await s.get(Conversation, secret)
        assert untouched.assignee is None and untouched.status != "closed"
    status, listing = await call(c["giamsat"], server, "GET", "/api/conversations")
    assert status == 200 and {x["id"] for x in listing} == {plain, secret}

    # Every thread read is on record, with the reader and the ticket.
    status, detail = await call(c["op1"], server, "GET", f"/api/conversations/{plain}")
    assert status == 200 and detail["messages"][0]["body"]
    status, _ = await call(c["giamsat"], server, "GET", f"/api/conversations/{secret}")
    assert status == 200
    async with sessions() as s:
        reads = {(a.username, a.ticket_id) for a in await s.scalars(select(AuditEntry).where(AuditEntry.action == "read"))}
        tickets = {conv_id: (await s.get(Conversation, conv_id)).ticket_id for conv_id in (plain, secret)}
    assert reads == {("op1", tickets[plain]), ("giamsat", tickets[secret])}

    # No softphone, no inbox: never the supervisors' view of everyone's conversations.
    for path in ("/api/conversations", f"/api/conversations/{plain}"):
        status, body = await call(c["hocviec"], server, "GET", path)
        assert status == 403 and body["code"] == "no_softphone"


async def test_a_closed_conversation_cannot_be_taken_or_given(sessions, desk):
    conversations, server, c = desk
    conv_id = await conversations.receive_mail(mail("<c1@example.vn>", "Lê Thị Hoa <hoa@example.vn>", "Cống tắc"))
    status, _ = await call(c["op1"], server, "POST", f"/api/conversations/{conv_id}/take", {})
    assert status == 200
    status, _ = await call(c["op1"], server, "POST", f"/api/conversations/{conv_id}/close", {})
    assert status == 200
    status, body = await call(c["op2"], server, "POST", f"/api/conversations/{conv_id}/take", {})
    assert status == 409 and body["code"] == "conversation_closed"
    status, body = await call(c["giamsat"], server, "POST", f"/api/conversations/{conv_id}/assign",
                              {"operator_id": "op2"})
    assert status == 409 and body["code"] == "conversation_closed"
    async with sessions() as s:
        conv = await s.get(Conversation, conv_id)
    assert (conv.status, conv.assignee) == ("closed", "op1")
