"""HTTP routes of one's own session: log in (password, then the second factor or its enrolment)
and out, who am I, change one's password, and the SIP password of this session's softphone.
Ending an account's access (`end_access`) lives here too."""

from __future__ import annotations

import logging

from aiohttp import web

from hotline.agent_desktop.accounts import EXPIRED_CHALLENGE, Accounts, Principal
from hotline.agent_desktop.agent_api import AgentApi
from hotline.agent_desktop.hub import Hub
from hotline.asterisk.sip_auth import SipPasswords
from hotline.cti.ami import ActionError
from hotline.security.clients import client_address
from hotline.security.limits import RateLimiter, address_key
from hotline.security.passwords import Busy
from hotline.settings import Security
from hotline.web.auth import COOKIE, LOGIN_COOKIE, error, principal, requires
from hotline.web.routes import Resource, Route, public
from hotline.web.validation import LoginIn, PasswordChange, SecondFactorIn, parse_body

log = logging.getLogger(__name__)
CHALLENGE_COOKIE = LOGIN_COOKIE  # a sign-in waiting for its second factor (opens nothing else)
CHALLENGE_PATH = "/api/login"
WRONG = "Sai tên đăng nhập hoặc mật khẩu"  # also for a locked account: the same answer as unknown

class SessionApi(Resource):
    def __init__(self, accounts: Accounts, hub: Hub, sip: SipPasswords, agents: AgentApi, ws_url: str,
                 security: Security | None = None, secure_cookies: bool = False):
        self.accounts = accounts
        self.hub = hub
        self.sip = sip
        self.phones = set(sip.phones)
        self.agents = agents
        self.ws_url = ws_url
        sec = security or Security()
        self.account_failures = RateLimiter(sec.login_failures_per_account, sec.login_window_seconds)
        self.address_failures = RateLimiter(sec.login_failures_per_address, sec.login_window_seconds)
        self.secure_cookies = secure_cookies

    def routes(self) -> list[Route]:
        return [
            Route("POST", "/api/login", self.login, "Log in; sets the session cookie, or (`second_factor`: "
                  "\"code\" or \"enrol\") a cookie for the second step", LoginIn, extra=("401", "429")),
            Route("POST", "/api/login/enrol", self.enrol, "Second step for a role that must have a second factor "
                  "and has none: a new TOTP secret and its QR code (SVG), to confirm with a code",
                  extra=("401", "409")),
            Route("POST", "/api/login/code", self.code, "Second step: a TOTP code (or a recovery code); sets the "
                  "session cookie; on enrolment answers the recovery codes once", SecondFactorIn,
                  extra=("401", "429")),
            Route("POST", "/api/logout", self.logout, "Log out (an operator also leaves the queues)"),
            Route("GET", "/api/me", self.me, "The logged-in user"),
            Route("POST", "/api/password", self.change_password,
                  "Change one's own password (current, then the policy: 10 characters, not the user name, not a "
                  "common password); other sessions end", PasswordChange, extra=("429",)),
            Route("GET", "/api/two-factor", self.two_factor, "Whether one has a second factor, and whether one's "
                  "role must have one"),
            Route("POST", "/api/two-factor/enrol", self.enrol_own, "Start one's own enrolment (any role): a new "
                  "TOTP secret and its QR code (SVG), to confirm with a code", extra=("409",)),
            Route("POST", "/api/two-factor/confirm", self.confirm_own, "Confirm one's enrolment with the first "
                  "code; answers the recovery codes once", SecondFactorIn, extra=("422", "429")),
            Route("GET", "/api/sip-credentials", self.sip_credentials,
                  "A SIP password issued to this session's softphone (the previous one stops working); 409 "
                  "without a softphone", extra=("409", "502")),
        ]

    @public
    async def login(self, request: web.Request) -> web.Response:
        if request.content_type != "application/json":
            return error(415, "Yêu cầu phải ở dạng JSON")
        body = await parse_body(request, LoginIn)
        username, password = body.username[:60], body.password[:200]
        address = client_address(request)
        # Guessing is slowed down before any password is checked: per account and per address.
        wait = self.address_failures.retry_after(address) or self.account_failures.retry_after(username.lower())
        if wait:
            return too_many(wait)
        try:
            result = await self.accounts.authenticate(username, password, address_key(address))
        except Busy:
            return too_many(2)
        if result.expired:
            log.warning("expired one-time password for %r from %s", username, address)
            return error(401, "Mật khẩu tạm đã hết hạn; liên hệ quản trị viên để được cấp mật khẩu mới",
                         "temporary_password_expired")
        p = result.principal
        if p is None:
            # A locked account answers as an unknown name or a wrong password (and takes as
            # long): the answer tells a guesser nothing. The administrator sees the lock-out.
            self.address_failures.hit(address)
            self.account_failures.hit(username.lower())
            log.warning("failed login for %r from %s%s", username, address,
                        " (account locked)" if result.locked_until else "")
            return error(401, WRONG)
        step = await self.accounts.second_factor_needed(p)
        if step is not None:
            challenge = await self.accounts.open_challenge(p)
            resp = web.json_response({"second_factor": step, "full_name": p.full_name},
                                     headers={"Cache-Control": "no-store"})
            resp.set_cookie(CHALLENGE_COOKIE, challenge, httponly=True, samesite="Strict", secure=self.secure_cookies,
                            path=CHALLENGE_PATH, max_age=300)
            return resp
        return await self._signed_in(p)

    async def _signed_in(self, p: Principal, extra: dict | None = None) -> web.Response:
        token = await self.accounts.open_session(p)
        resp = web.json_response({**p.public(), **(extra or {})}, headers={"Cache-Control": "no-store"})
        resp.set_cookie(COOKIE, token, httponly=True, samesite="Strict", secure=self.secure_cookies, path="/")
        resp.del_cookie(CHALLENGE_COOKIE, path=CHALLENGE_PATH)
        return resp

    @public
    async def enrol(self, request: web.Request) -> web.Response:
        """A new TOTP secret for the user of this sign-in (only where it must enrol)."""
        p = await self.accounts.challenge_user(request.cookies.get(CHALLENGE_COOKIE))
        if p is None:
            return error(401, EXPIRED_CHALLENGE, "login_expired")
        if await self.accounts.second_factor_needed(p) != "enrol":
            return error(409, "Tài khoản đã có xác thực hai bước")
        shown = await self.accounts.start_enrolment(p.user_id, p.username)
        return web.json_response(shown, headers={"Cache-Control": "no-store"})

    @public
    async def code(self, request: web.Request) -> web.Response:
        """The second factor: wrong codes count against the account and the address like wrong
        passwords, and a sign-in allows only a few before the password must be given again."""
        if request.content_type != "application/json":
            return error(415, "Yêu cầu phải ở dạng JSON")
        body = await parse_body(request, SecondFactorIn)
        token = request.cookies.get(CHALLENGE_COOKIE)
        p = await self.accounts.challenge_user(token)
        if p is None:
            return error(401, EXPIRED_CHALLENGE, "login_expired")
        address = client_address(request)
        wait = self.address_failures.retry_after(address) or self.account_failures.retry_after(p.username.lower())
        if wait:
            return too_many(wait)
        try:
            done = await self.accounts.answer_challenge(token, body.code)
        except Busy:
            return too_many(2)
        if done is None:
            self.address_failures.hit(address)
            self.account_failures.hit(p.username.lower())
            log.warning("wrong second factor for %r from %s", p.username, address)
            return error(401, "Mã xác thực không đúng hoặc đã dùng", "wrong_code")
        return await self._signed_in(done.principal, {"recovery_codes": done.recovery_codes}
                                     if done.recovery_codes else None)

    @requires(before_password_change=True)
    async def logout(self, request: web.Request) -> web.Response:
        p: Principal = principal(request)
        token = request.cookies[COOKIE]
        await self.accounts.close_session(token)
        if p.operator_id:
            await self.agents.leave_queues(p.operator_id)
        await self.sip.revoke_user(p.user_id)
        await self.hub.drop_session(token)
        resp = web.json_response({"ok": True})
        resp.del_cookie(COOKIE, path="/")
        return resp

    async def end_access(self, p: Principal) -> None:
        """An account's access ended (disabled, password reset, role changed): its sockets close,
        its softphone leaves the queues and its SIP password is withdrawn, at once."""
        await self.hub.drop_user(p.user_id)
        if p.operator_id and p.role == "operator":
            await self.agents.leave_queues(p.operator_id)
        await self.sip.revoke_user(p.user_id)

    @requires(before_password_change=True)
    async def me(self, request: web.Request) -> web.Response:
        return web.json_response(principal(request).public())

    @requires(before_password_change=True)
    async def change_password(self, request: web.Request) -> web.Response:
        body = await parse_body(request, PasswordChange)
        p: Principal = principal(request)
        try:
            await self.accounts.change_password(p.user_id, body.current_password, body.new_password,
                                                keep_token=request.cookies[COOKIE])
        except Busy:
            return too_many(2)
        await self.hub.drop_user(p.user_id, keep=request.cookies[COOKIE])
        return web.json_response({"ok": True})

    @requires()
    async def two_factor(self, request: web.Request) -> web.Response:
        p: Principal = principal(request)
        return web.json_response({"enrolled": await self.accounts.two_factor_enrolled(p.user_id),
                                  "required": p.role in self.accounts.two_factor_roles})

    @requires()
    async def enrol_own(self, request: web.Request) -> web.Response:
        """Any user may add a second factor; from then on it is asked at every log-in."""
        p: Principal = principal(request)
        if await self.accounts.two_factor_enrolled(p.user_id):
            return error(409, "Tài khoản đã có xác thực hai bước")
        shown = await self.accounts.start_enrolment(p.user_id, p.username)
        return web.json_response(shown, headers={"Cache-Control": "no-store"})

    @requires()
    async def confirm_own(self, request: web.Request) -> web.Response:
        body = await parse_body(request, SecondFactorIn)
        p: Principal = principal(request)
        wait = self.account_failures.retry_after(p.username.lower())
        if wait:
            return too_many(wait)
        try:
            codes = await self.accounts.confirm_enrolment(p.user_id, body.code)
        except Busy:
            return too_many(2)
        if codes is None:
            self.account_failures.hit(p.username.lower())
            return error(422, "Mã xác thực không đúng", "wrong_code")
        return web.json_response({"recovery_codes": codes}, headers={"Cache-Control": "no-store"})

    @requires("operator", "supervisor")
    async def sip_credentials(self, request: web.Request) -> web.Response:
        """A SIP password issued to this session's softphone: the previous one stops working."""
        p: Principal = principal(request)
        if not p.operator_id or p.operator_id not in self.phones:
            return error(409, "Tài khoản chưa được gán máy điện thoại")
        try:
            password = await self.sip.issue(p.operator_id, p.user_id)
        except ActionError as exc:
            return error(502, f"Tổng đài không nhận lệnh: {exc}")
        host = request.url.host or "127.0.0.1"
        return web.json_response({
            "ws_url": self.ws_url, "uri": f"sip:{p.operator_id}@{host}",
            "username": p.operator_id, "password": password, "display_name": p.full_name},
            headers={"Cache-Control": "no-store"})


def too_many(seconds: int) -> web.Response:
    resp = error(429, f"Quá nhiều lần thử; thử lại sau {seconds} giây", "rate_limited")
    resp.headers["Retry-After"] = str(seconds)
    return resp
