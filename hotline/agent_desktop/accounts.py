"""Accounts and sessions: argon2 password hashes (in a bounded pool), random session tokens stored
only as SHA-256, the password policy, lock-out after repeated wrong passwords, one-time passwords
that expire, sessions that end when idle, the second factor (TOTP, recovery codes), and what ends a
user's access at once (disable, password reset, role change)."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.errors import Refused
from hotline.security.passwords import Hasher, policy_problem, temporary_password
from hotline.security.totp import Totp, normal_recovery_code, provisioning_uri, qr_svg, recovery_codes
from hotline.store.accounts import AgentLogin, LoginChallenge, RecoveryCode, TwoFactor, User, WebSession
from hotline.store.base import aware, utcnow

log = logging.getLogger(__name__)
ROLES = ("operator", "supervisor", "admin", "agency", "office")
SESSION_HOURS = 12  # a session ends this long after log-in, however active
CHALLENGE_MINUTES = 5  # to give the second factor after the password
CHALLENGE_ATTEMPTS = 5  # codes tried per password given
EXPIRED_CHALLENGE = "Phiên đăng nhập đã hết hạn; nhập lại mật khẩu"
RENEW_SECONDS = 60  # an active session's idle deadline is moved at most this often (one write)


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    full_name: str
    role: str
    operator_id: str | None
    agency_id: int | None = None  # role agency: the agency whose inbox this is
    agency_leader: bool = False  # role agency: approves results (Quảng Ninh)
    must_change_password: bool = False  # after creation or a reset: nothing else until changed

    def public(self) -> dict:
        return {"username": self.username, "full_name": self.full_name, "role": self.role,
                "operator_id": self.operator_id, "agency_id": self.agency_id, "agency_leader": self.agency_leader,
                "must_change_password": self.must_change_password}


def _principal(u: User) -> Principal:
    return Principal(u.id, u.username, u.full_name, u.role, u.operator_id, u.agency_id, bool(u.agency_leader),
                     bool(u.must_change_password))


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_view(u: User) -> dict:
    """An account as administrators see it (never the hash)."""
    return {"id": u.id, "username": u.username, "full_name": u.full_name, "role": u.role,
            "operator_id": u.operator_id, "agency_id": u.agency_id, "agency_leader": bool(u.agency_leader),
            "active": bool(u.active), "must_change_password": bool(u.must_change_password),
            "last_login_at": aware(u.last_login_at), "locked_until": aware(u.locked_until),
            "failed_logins": u.failed_logins or 0, "created_at": aware(u.created_at)}


@dataclass(frozen=True)
class LoginResult:
    principal: Principal | None
    locked_until: datetime | None = None  # set when the account is locked out
    expired: bool = False  # the right one-time password, but too old: an administrator issues another


@dataclass(frozen=True)
class SecondFactor:
    """The outcome of a code given after the password: the session's user, and on enrolment the
    recovery codes (shown once)."""
    principal: Principal
    recovery_codes: list[str] | None = None


RevokeHook = Callable[[Principal], Awaitable[None]]


class Accounts:
    def __init__(self, sessions: async_sessionmaker, hasher: Hasher | None = None, lockout_after: int = 50,
                 lockout_minutes: float = 60, idle_minutes: float = 30, temporary_password_hours: float = 72,
                 totp: Totp | None = None, two_factor_roles: frozenset[str] = frozenset()):
        self.sessions = sessions
        self.hasher = hasher or Hasher()
        self.lockout_after = lockout_after
        self.lockout = timedelta(minutes=lockout_minutes)
        self.idle = timedelta(minutes=idle_minutes)
        self.temporary_password_life = timedelta(hours=temporary_password_hours)
        self.totp = totp  # None: no key given (tools, tests of other parts): nobody can enrol
        self.two_factor_roles = two_factor_roles  # these roles must enrol at their next log-in
        # Called when a user's access ends (disabled, password reset, role changed): close their
        # sockets, take their softphone out of the queues, withdraw its SIP password.
        self.revoke_hooks: list[RevokeHook] = []

    # -- creating and changing accounts -----------------------------------------------------------
    async def create_user(self, username: str, full_name: str, role: str, password: str,
                          operator_id: str | None = None, agency_id: int | None = None,
                          agency_leader: bool = False, must_change: bool = False) -> int:
        _check_role(role, agency_id)
        pw_hash = await self.hasher.hash(password)
        async with self.sessions() as s, s.begin():
            if await s.scalar(select(User.id).where(User.username == username)) is not None:
                raise Refused(409, "Tên đăng nhập đã có")
            user = User(username=username, full_name=full_name, role=role, operator_id=operator_id,
                        agency_id=agency_id, agency_leader=agency_leader, password_hash=pw_hash, active=True,
                        must_change_password=must_change, password_changed_at=utcnow(), failed_logins=0)
            s.add(user)
            await s.flush()
            return user.id

    async def user_exists(self, username: str) -> bool:
        async with self.sessions() as s:
            return await s.scalar(select(User.id).where(User.username == username)) is not None

    async def user_id(self, username: str) -> int | None:
        async with self.sessions() as s:
            return await s.scalar(select(User.id).where(User.username == username))

    async def list_users(self) -> list[dict]:
        enrolled = await self.two_factor_users()
        async with self.sessions() as s:
            return [{**user_view(u), "two_factor": u.id in enrolled}
                    for u in await s.scalars(select(User).order_by(User.role, User.username))]

    async def get_user(self, user_id: int) -> dict:
        enrolled = await self.two_factor_enrolled(user_id)
        async with self.sessions() as s:
            user = await _user(s, user_id)
            return {**user_view(user), "two_factor": enrolled}

    async def set_password(self, username: str, password: str, must_change: bool = False) -> None:
        """Set a password without the policy (demo accounts, the command line's bootstrap)."""
        pw_hash = await self.hasher.hash(password)
        async with self.sessions() as s, s.begin():
            user = await s.scalar(select(User).where(User.username == username))
            if user is None:
                raise KeyError(username)
            user.password_hash, user.must_change_password = pw_hash, must_change
            user.password_changed_at, user.failed_logins, user.locked_until = utcnow(), 0, None

    async def update_user(self, user_id: int, **changes) -> dict:
        """Change name, role, softphone, agency. A changed role or softphone ends the user's sessions."""
        async with self.sessions() as s, s.begin():
            user = await _user(s, user_id)
            before = _principal(user)
            for name, value in changes.items():
                setattr(user, name, value)
            _check_role(user.role, user.agency_id)
            ends = (user.role, user.operator_id, user.agency_id, bool(user.agency_leader)) != (
                before.role, before.operator_id, before.agency_id, before.agency_leader)
            if ends:
                await s.execute(delete(WebSession).where(WebSession.user_id == user_id))
            view = user_view(user)
        if ends:
            await self._revoked(before)
        return view

    async def set_active(self, user_id: int, active: bool) -> dict:
        async with self.sessions() as s, s.begin():
            user = await _user(s, user_id)
            user.active, user.disabled_at = active, None if active else utcnow()
            if not active:
                await s.execute(delete(WebSession).where(WebSession.user_id == user_id))
            principal, view = _principal(user), user_view(user)
        if not active:
            await self._revoked(principal)
        return view

    async def reset_password(self, user_id: int) -> str:
        """A one-time password to hand over; the user's sessions end and they must change it."""
        password = temporary_password()
        pw_hash = await self.hasher.hash(password)
        async with self.sessions() as s, s.begin():
            user = await _user(s, user_id)
            user.password_hash, user.must_change_password, user.password_changed_at = pw_hash, True, utcnow()
            user.failed_logins, user.locked_until = 0, None
            await s.execute(delete(WebSession).where(WebSession.user_id == user_id))
            principal = _principal(user)
        await self._revoked(principal)
        return password

    async def unlock(self, user_id: int) -> dict:
        async with self.sessions() as s, s.begin():
            user = await _user(s, user_id)
            user.failed_logins, user.locked_until = 0, None
            return user_view(user)

    async def change_password(self, user_id: int, old: str, new: str, keep_token: str | None = None) -> None:
        """The user's own change: the current password, then the policy. Other sessions end."""
        async with self.sessions() as s:
            user = await s.get(User, user_id)
        if user is None or not user.active:
            raise Refused(401, "Chưa đăng nhập hoặc phiên đã hết hạn")
        if not await self.hasher.verify(user.password_hash, old):
            raise Refused(403, "Mật khẩu hiện tại không đúng")
        if old == new:
            raise Refused(400, "Mật khẩu mới phải khác mật khẩu cũ")
        problem = policy_problem(user.username, new)
        if problem:
            raise Refused(400, problem)
        pw_hash = await self.hasher.hash(new)
        async with self.sessions() as s, s.begin():
            await s.execute(update(User).where(User.id == user_id).values(
                password_hash=pw_hash, must_change_password=False, password_changed_at=utcnow()))
            q = delete(WebSession).where(WebSession.user_id == user_id)
            if keep_token:
                q = q.where(WebSession.token_hash != digest(keep_token))
            await s.execute(q)

    async def _revoked(self, principal: Principal) -> None:
        for hook in self.revoke_hooks:
            try:
                await hook(principal)
            except Exception:  # one part failing must not keep the others from ending access
                log.exception("ending the access of %s", principal.username)

    # -- logging in ---------------------------------------------------------------------------------
    async def authenticate(self, username: str, password: str, address: str = "") -> LoginResult:
        """Check a password (argon2 in the bounded pool, in turn per client `address`; unknown users
        and locked accounts take as long). Wrong
        passwords are counted; `lockout_after` of them in a row lock the account for a while, or
        until an administrator lifts it."""
        async with self.sessions() as s:
            user = await s.scalar(select(User).where(User.username == username, User.active.is_(True)))
        now = utcnow()
        if user is not None and user.locked_until is not None and aware(user.locked_until) > now:
            await self.hasher.verify(None, password, address)  # as long as an unknown name or a wrong password
            return LoginResult(None, aware(user.locked_until))
        ok = await self.hasher.verify(user.password_hash if user else None, password, address)
        if user is None:
            return LoginResult(None)
        if ok and user.must_change_password and user.password_changed_at is not None and \
                aware(user.password_changed_at) + self.temporary_password_life <= now:
            return LoginResult(None, expired=True)
        # A hash made with older parameters is replaced by one of today's (hashed before the
        # transaction: no write lock held meanwhile).
        rehashed = await self.hasher.hash(password, address) if ok and self.hasher.needs_rehash(
            user.password_hash) else None
        async with self.sessions() as s, s.begin():
            row = await s.get(User, user.id)
            if ok:
                row.failed_logins, row.locked_until, row.last_login_at = 0, None, now
                if rehashed and row.password_hash == user.password_hash:
                    row.password_hash = rehashed
            else:
                row.failed_logins = (row.failed_logins or 0) + 1
                if row.failed_logins >= self.lockout_after:
                    row.locked_until = now + self.lockout
                    log.warning("account %s locked after %d wrong passwords", username, row.failed_logins)
            result = LoginResult(_principal(row) if ok else None, aware(row.locked_until) if not ok else None)
        return result

    async def open_session(self, principal: Principal, hours: float = SESSION_HOURS) -> str:
        """A new session: it ends after `idle` without a request, and `hours` after log-in at most."""
        token = secrets.token_urlsafe(32)
        now = datetime.now(timezone.utc)
        async with self.sessions() as s, s.begin():
            s.add(WebSession(token_hash=digest(token), user_id=principal.user_id, created_at=now,
                             expires_at=min(now + timedelta(hours=hours), now + self.idle)))
        return token

    async def session_user(self, token: str | None) -> Principal | None:
        """The user of a live session; each request renews its idle deadline (written at most once
        a minute), never past `SESSION_HOURS` after log-in."""
        if not token or len(token) > 200:
            return None
        async with self.sessions() as s:
            row = (await s.execute(select(User, WebSession.expires_at, WebSession.created_at)
                                   .join(WebSession, WebSession.user_id == User.id)
                                   .where(WebSession.token_hash == digest(token), User.active.is_(True)))).first()
        if row is None:
            return None
        user, expires, created = row
        now = datetime.now(timezone.utc)
        if aware(expires) <= now:
            return None
        renewed = min(now + self.idle, aware(created) + timedelta(hours=SESSION_HOURS))
        if renewed - aware(expires) >= timedelta(seconds=RENEW_SECONDS):
            async with self.sessions() as s, s.begin():
                await s.execute(update(WebSession).where(WebSession.token_hash == digest(token))
                                .values(expires_at=renewed))
        return _principal(user)

    async def live_sessions(self, token_hashes: set[str]) -> set[str]:
        """Which of these session digests still open an active account (one query)."""
        if not token_hashes:
            return set()
        async with self.sessions() as s:
            rows = await s.execute(select(WebSession.token_hash, WebSession.expires_at)
                                   .join(User, WebSession.user_id == User.id)
                                   .where(WebSession.token_hash.in_(token_hashes), User.active.is_(True)))
            now = datetime.now(timezone.utc)
            return {h for h, expires in rows if aware(expires) > now}

    async def close_session(self, token: str) -> None:
        async with self.sessions() as s, s.begin():
            await s.execute(delete(WebSession).where(WebSession.token_hash == digest(token)))

    # -- the second factor -------------------------------------------------------------------------
    async def second_factor_needed(self, p: Principal) -> str | None:
        """After the right password: "code" (enrolled: a TOTP or recovery code), "enrol" (the role
        must have one and the user has none yet) or None (a session may open now)."""
        async with self.sessions() as s:
            row = await s.get(TwoFactor, p.user_id)
        if row is not None and row.confirmed_at is not None:
            return "code"
        return "enrol" if p.role in self.two_factor_roles else None

    async def two_factor_enrolled(self, user_id: int) -> bool:
        async with self.sessions() as s:
            row = await s.get(TwoFactor, user_id)
            return row is not None and row.confirmed_at is not None

    async def open_challenge(self, p: Principal) -> str:
        """The cookie of a sign-in waiting for its second factor (opens nothing else)."""
        token = secrets.token_urlsafe(32)
        now = utcnow()
        async with self.sessions() as s, s.begin():
            await s.execute(delete(LoginChallenge).where(LoginChallenge.expires_at <= now))
            s.add(LoginChallenge(token_hash=digest(token), user_id=p.user_id, attempts=0,
                                 expires_at=now + timedelta(minutes=CHALLENGE_MINUTES)))
        return token

    async def challenge_user(self, token: str | None) -> Principal | None:
        if not token or len(token) > 200:
            return None
        async with self.sessions() as s:
            row = (await s.execute(select(User, LoginChallenge.expires_at)
                                   .join(LoginChallenge, LoginChallenge.user_id == User.id)
                                   .where(LoginChallenge.token_hash == digest(token), User.active.is_(True)))).first()
        if row is None or aware(row[1]) <= utcnow():
            return None
        return _principal(row[0])

    async def start_enrolment(self, user_id: int, username: str) -> dict:
        """A new secret waiting for its first code (replaces one not yet confirmed): the secret,
        its otpauth URI and the QR code as SVG, to show the user once."""
        if self.totp is None:
            raise Refused(409, "Máy chủ chưa có khóa xác thực hai bước")
        secret = self.totp.new_secret()
        async with self.sessions() as s, s.begin():
            row = await s.get(TwoFactor, user_id)
            if row is not None and row.confirmed_at is not None:
                raise Refused(409, "Tài khoản đã có xác thực hai bước")
            if row is None:
                row = TwoFactor(user_id=user_id, last_step=0)
                s.add(row)
            row.secret, row.created_at, row.last_step = self.totp.seal(secret, user_id), utcnow(), 0
        uri = provisioning_uri(secret, username)
        return {"secret": secret, "uri": uri, "qr_svg": qr_svg(uri)}

    async def confirm_enrolment(self, user_id: int, code: str) -> list[str] | None:
        """The first code from the user's app confirms the secret: the recovery codes (shown once,
        kept hashed), or None when the code is wrong."""
        async with self.sessions() as s:
            row = await s.get(TwoFactor, user_id)
        if row is None or row.confirmed_at is not None or self.totp is None:
            return None
        secret = self.totp.open(row.secret, user_id)
        step = self.totp.matching_step(secret, code, row.last_step) if secret else None
        if step is None:
            return None
        codes = recovery_codes()
        hashes = [await self.hasher.hash(normal_recovery_code(c)) for c in codes]
        async with self.sessions() as s, s.begin():
            row = await s.get(TwoFactor, user_id)
            if row is None or row.confirmed_at is not None:
                return None
            row.confirmed_at, row.last_step = utcnow(), step
            await s.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
            s.add_all(RecoveryCode(user_id=user_id, code_hash=h) for h in hashes)
        return codes

    async def verify_second_factor(self, user_id: int, code: str) -> bool:
        """A TOTP code not used before, or an unused recovery code (then used up)."""
        async with self.sessions() as s:
            row = await s.get(TwoFactor, user_id)
            unused = list(await s.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user_id,
                                                                     RecoveryCode.used_at.is_(None))))
        if row is None or row.confirmed_at is None or self.totp is None:
            return False
        secret = self.totp.open(row.secret, user_id)
        if secret is None:
            log.error("the two-factor secret of user %d does not decrypt with this installation's key", user_id)
        step = self.totp.matching_step(secret, code, row.last_step) if secret else None
        if step is not None:
            async with self.sessions() as s, s.begin():
                done = await s.execute(update(TwoFactor).where(TwoFactor.user_id == user_id,
                                                               TwoFactor.last_step < step).values(last_step=step))
                return done.rowcount == 1  # a code is accepted once, even by two requests at a time
        wanted = normal_recovery_code(code)
        if len(wanted) != 10:
            return False
        for rc in unused:
            if await self.hasher.verify(rc.code_hash, wanted):
                async with self.sessions() as s, s.begin():
                    done = await s.execute(update(RecoveryCode).where(RecoveryCode.id == rc.id,
                                                                      RecoveryCode.used_at.is_(None))
                                           .values(used_at=utcnow()))
                    return done.rowcount == 1
        return False

    async def answer_challenge(self, token: str, code: str) -> SecondFactor | None:
        """A code given for a sign-in waiting for it: on enrolment the first code of the new
        secret, else a TOTP or recovery code. At most `CHALLENGE_ATTEMPTS` tries per password;
        the challenge is used up when it succeeds. None: wrong; no tries left: `Refused`."""
        p = await self.challenge_user(token)
        if p is None:
            return None
        async with self.sessions() as s, s.begin():
            done = await s.execute(update(LoginChallenge).where(
                LoginChallenge.token_hash == digest(token), LoginChallenge.attempts < CHALLENGE_ATTEMPTS)
                .values(attempts=LoginChallenge.attempts + 1))
            if done.rowcount != 1:
                await s.execute(delete(LoginChallenge).where(LoginChallenge.token_hash == digest(token)))
                raise Refused(401, EXPIRED_CHALLENGE, "login_expired")
        if await self.two_factor_enrolled(p.user_id):
            codes = None
            if not await self.verify_second_factor(p.user_id, code):
                return None
        else:
            codes = await self.confirm_enrolment(p.user_id, code)
            if codes is None:
                return None
        async with self.sessions() as s, s.begin():
            await s.execute(delete(LoginChallenge).where(LoginChallenge.token_hash == digest(token)))
            await s.execute(update(User).where(User.id == p.user_id).values(last_login_at=utcnow()))
        return SecondFactor(p, codes)

    async def reset_two_factor(self, user_id: int) -> dict:
        """An administrator's reset (a lost phone): secret and recovery codes gone, sessions end;
        the user enrols again at the next log-in where the role requires it."""
        async with self.sessions() as s, s.begin():
            user = await _user(s, user_id)
            await s.execute(delete(TwoFactor).where(TwoFactor.user_id == user_id))
            await s.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
            await s.execute(delete(LoginChallenge).where(LoginChallenge.user_id == user_id))
            await s.execute(delete(WebSession).where(WebSession.user_id == user_id))
            principal, view = _principal(user), user_view(user)
        await self._revoked(principal)
        return {**view, "two_factor": False}

    async def two_factor_users(self) -> set[int]:
        async with self.sessions() as s:
            return set(await s.scalars(select(TwoFactor.user_id).where(TwoFactor.confirmed_at.is_not(None))))

    # -- agent logins (which operators are in their queues) ----------------------------------------
    async def record_agent_login(self, operator_id: str, queues: list[str]) -> None:
        async with self.sessions() as s, s.begin():
            row = await s.get(AgentLogin, operator_id)
            if row is None:
                s.add(AgentLogin(operator_id=operator_id, queues=",".join(queues), paused=False, pause_reason=""))
            else:
                row.queues = ",".join(queues)

    async def recorded_pause(self, operator_id: str) -> tuple[bool, str]:
        """The pause this operator last chose, as recorded (on any node): (paused, reason)."""
        async with self.sessions() as s:
            row = await s.get(AgentLogin, operator_id)
            return (row.paused, row.pause_reason) if row is not None else (False, "")

    async def record_agent_pause(self, operator_id: str, paused: bool, reason: str = "") -> None:
        async with self.sessions() as s, s.begin():
            row = await s.get(AgentLogin, operator_id)
            if row is not None:
                row.paused, row.pause_reason = paused, reason if paused else ""

    async def record_agent_logout(self, operator_id: str) -> None:
        async with self.sessions() as s, s.begin():
            await s.execute(delete(AgentLogin).where(AgentLogin.operator_id == operator_id))

    async def agent_logins(self) -> dict[str, tuple[list[str], bool, str]]:
        async with self.sessions() as s:
            rows = await s.scalars(select(AgentLogin))
            return {r.operator_id: ([q for q in r.queues.split(",") if q], r.paused, r.pause_reason) for r in rows}


async def _user(s, user_id: int) -> User:
    user = await s.get(User, user_id)
    if user is None:
        raise Refused(404, "Không có tài khoản này")
    return user


def _check_role(role: str, agency_id: int | None) -> None:
    if role not in ROLES:
        raise Refused(400, f"Vai trò phải là một trong: {', '.join(ROLES)}")
    if (role == "agency") != (agency_id is not None):
        raise Refused(400, "Tài khoản cơ quan cần có cơ quan, và chỉ tài khoản cơ quan mới có")
