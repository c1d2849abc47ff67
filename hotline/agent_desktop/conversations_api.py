"""HTTP routes of written conversations (e-mail, web chat, Zalo, Facebook, SMS): the inbox of open
ones, a thread, taking one, answering in the citizen's thread, saying it was read or is being
answered, closing; supervisors give one to an operator, and see the e-mails the mailbox could not
keep (quarantined, with the reason) and download them as received."""

from __future__ import annotations

import logging

from aiohttp import web

from hotline.agent_desktop.accounts import Accounts
from hotline.conversations.quarantine import Quarantine
from hotline.conversations.service import Conversations
from hotline.errors import Refused
from hotline.privacy.audit import PersonalDataAudit
from hotline.security.clients import client_address
from hotline.ticketing.secrecy import may_see
from hotline.web.auth import error, path_id, principal, requires
from hotline.web.routes import Resource, Route
from hotline.web.validation import AssignIn, ReadIn, ReplyIn, parse_body

log = logging.getLogger(__name__)

UNKNOWN = "Không có hội thoại này"


class ConversationsApi(Resource):
    """Conversations follow the tickets' access rules: one whose ticket is a state secret is seen
    only by the profile's `state_secret_readers`, every thread read is in the personal-data audit,
    and an operator account without a softphone (no operator id) has no inbox."""

    def __init__(self, accounts: Accounts, conversations: Conversations, operators: set[str],
                 secret_readers: frozenset[str], audit: PersonalDataAudit):
        self.accounts = accounts  # the sessions behind `requires`
        self.conversations = conversations
        self.operators = operators
        self.secret_readers = secret_readers
        self.audit = audit
        self.quarantine = Quarantine(conversations.sessions)

    @staticmethod
    def _operator(request: web.Request) -> str | None:
        """Whose inbox: the operator's id, None for a supervisor (everyone's); refused for an
        operator account with no softphone, which would otherwise read as everyone's."""
        p = principal(request)
        if p.role != "operator":
            return None
        if not p.operator_id:
            raise Refused(403, "Tài khoản chưa được gán máy điện thoại viên", "no_softphone")
        return p.operator_id

    def routes(self) -> list[Route]:
        return [
            Route("GET", "/api/conversations", self.inbox,
                  "Written conversations not closed, waiting ones first: an operator's own and those nobody "
                  "has taken; a supervisor's: all"),
            Route("GET", "/api/conversations/{id}", self.one, "A conversation with its messages", extra=("404",)),
            Route("POST", "/api/conversations/{id}/take", self.take,
                  "Take a conversation (its draft ticket becomes the operator's)", extra=("404", "409")),
            Route("POST", "/api/conversations/{id}/reply", self.reply,
                  "Answer the citizen on the conversation's channel (through its outbox: e-mail in the thread, "
                  "the platform's send API, SMS; a web chat's page at once)", ReplyIn,
                  ok="201", extra=("404", "409", "422")),
            Route("POST", "/api/conversations/{id}/read", self.read,
                  "The operator who has the conversation has seen the citizen's messages up to `up_to` (a web "
                  "chat's citizen sees it)", ReadIn, extra=("404", "409")),
            Route("POST", "/api/conversations/{id}/typing", self.typing,
                  "The operator who has the conversation is writing (a web chat's citizen sees it for a few "
                  "seconds)", extra=("404", "409")),
            Route("POST", "/api/conversations/{id}/close", self.close,
                  "Close a conversation (an operator: her own)", extra=("404", "409")),
            Route("POST", "/api/conversations/{id}/assign", self.assign, "Give a conversation to an operator",
                  AssignIn, extra=("404", "422")),
            Route("GET", "/api/mail-quarantine", self.quarantined,
                  "E-mails the mailbox could not keep (refused by a limit, or failing after the policy's tries), "
                  "newest first, with the reason"),
            Route("GET", "/api/mail-quarantine/{id}/raw", self.quarantined_raw,
                  "A quarantined e-mail as received (message/rfc822, a download)", extra=("404",)),
        ]

    async def _may_act(self, request: web.Request) -> int:
        """The conversation's id, if the caller may see it (a state secret's: only its readers;
        to others it does not exist); Refused(404) otherwise. Every action on one checks it."""
        conversation_id = path_id(request, "id", UNKNOWN)
        if not may_see(self.secret_readers, principal(request).role, await self.conversations.state_secret(conversation_id)):
            raise Refused(404, UNKNOWN)
        return conversation_id

    @requires("operator", "supervisor")
    async def inbox(self, request: web.Request) -> web.Response:
        operator = self._operator(request)
        return web.json_response(await self.conversations.listing(
            operator, include_secret=may_see(self.secret_readers, principal(request).role, True)))

    @requires("operator", "supervisor")
    async def one(self, request: web.Request) -> web.Response:
        p, operator = principal(request), self._operator(request)
        detail = await self.conversations.detail(path_id(request, "id", UNKNOWN))
        if not may_see(self.secret_readers, p.role, detail["state_secret"]):
            return error(404, UNKNOWN)
        if operator is not None and detail["assignee"] not in (None, operator):
            return error(409, f"Hội thoại do {detail['assignee']} xử lý", "conversation_taken")
        if detail["ticket_id"] is not None:
            await self.audit.record(p, [detail["ticket_id"]], "read", client_address(request),
                                    f"conversation {detail['id']}")
        return web.json_response(detail)

    @requires("operator")
    async def take(self, request: web.Request) -> web.Response:
        return web.json_response(await self.conversations.take(await self._may_act(request),
                                                               principal(request).operator_id))

    @requires("operator")
    async def reply(self, request: web.Request) -> web.Response:
        body = await parse_body(request, ReplyIn)
        return web.json_response(await self.conversations.reply(await self._may_act(request),
                                                                principal(request).operator_id, body.text),
                                 status=201)

    @requires("operator")
    async def read(self, request: web.Request) -> web.Response:
        body = await parse_body(request, ReadIn)
        await self.conversations.read_by_operator(await self._may_act(request), principal(request).operator_id,
                                                  body.up_to)
        return web.json_response({"ok": True})

    @requires("operator")
    async def typing(self, request: web.Request) -> web.Response:
        await self.conversations.operator_typing(await self._may_act(request), principal(request).operator_id)
        return web.json_response({"ok": True})

    @requires("operator", "supervisor")
    async def close(self, request: web.Request) -> web.Response:
        await self.conversations.close(await self._may_act(request), self._operator(request))
        return web.json_response({"ok": True})

    @requires("supervisor")
    async def assign(self, request: web.Request) -> web.Response:
        body = await parse_body(request, AssignIn)
        if body.operator_id not in self.operators:
            return error(422, "Không có điện thoại viên này")
        conversation_id = await self._may_act(request)
        if not may_see(self.secret_readers, "operator", await self.conversations.state_secret(conversation_id)):
            return error(422, "Hội thoại thuộc diện bí mật nhà nước: điện thoại viên không được xem, không giao được",
                         "state_secret")
        return web.json_response(await self.conversations.take(conversation_id, body.operator_id, force=True))

    @requires("supervisor")
    async def quarantined(self, request: web.Request) -> web.Response:
        return web.json_response(await self.quarantine.listing())

    @requires("supervisor")
    async def quarantined_raw(self, request: web.Request) -> web.Response:
        quarantine_id = path_id(request, "id", "Không có thư này trong khu cách ly")
        raw = await self.quarantine.raw(quarantine_id)
        log.info("quarantined e-mail %d downloaded by %s", quarantine_id, principal(request).username)
        # Never shown by the browser: a download, of a type it does not render.
        return web.Response(body=raw, headers={
            "Content-Type": "message/rfc822", "X-Content-Type-Options": "nosniff",
            "Content-Disposition": f'attachment; filename="thu-cach-ly-{quarantine_id}.eml"',
            "Content-Security-Policy": "default-src 'none'; sandbox", "Cache-Control": "no-store"})
