"""Administrators manage staff and agency accounts: list (with last login), create (a one-time
password to hand over), change role, name or softphone, disable and enable, reset the password,
reset the second factor (a lost phone), lift a lock-out. Ending someone's access closes their sockets and softphone at once."""

from __future__ import annotations

import json

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select

from hotline.agent_desktop.accounts import ROLES, Accounts
from hotline.web.auth import path_id, principal, requires
from hotline.web.routes import Resource, Route
from hotline.web.validation import parse_body, required_text
from hotline.errors import Refused
from hotline.security.passwords import temporary_password
from hotline.store.accounts import User
from hotline.store.agencies import Agency

ROLE_PATTERN = "^(" + "|".join(ROLES) + ")$"


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(..., min_length=3, max_length=60, pattern=r"^[a-z0-9_.-]+$")
    full_name: str = Field(..., min_length=1, max_length=200)
    role: str = Field(..., pattern=ROLE_PATTERN)
    operator_id: str | None = Field(None, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")
    agency_id: int | None = Field(None, ge=1, le=10**9)
    agency_leader: bool = False

    _n = field_validator("full_name")(required_text)


class UserChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    full_name: str | None = Field(None, min_length=1, max_length=200)
    role: str | None = Field(None, pattern=ROLE_PATTERN)
    operator_id: str | None = Field(None, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")
    agency_id: int | None = Field(None, ge=1, le=10**9)
    agency_leader: bool | None = None

    _n = field_validator("full_name")(required_text)


class UsersApi(Resource):
    def __init__(self, accounts: Accounts, phones: list[str]):
        self.accounts = accounts
        self.phones = set(phones)

    def routes(self) -> list[Route]:
        return [
            Route("GET", "/api/users", self.list_users,
                  "Accounts with role, softphone, state and last login; configured phones"),
            Route("POST", "/api/users", self.create, "Create an account; answers a one-time password to hand over "
                  "(must be changed at first login)", UserIn, ok="201"),
            Route("PUT", "/api/users/{id}", self.change, "Change name, role, softphone or agency (a changed role or "
                  "phone ends the user's sessions)", UserChange),
            Route("POST", "/api/users/{id}/disable", self.disable,
                  "Disable: sessions, sockets, queues and SIP password end at once"),
            Route("POST", "/api/users/{id}/enable", self.enable, "Enable again"),
            Route("POST", "/api/users/{id}/reset-password", self.reset, "New one-time password; sessions end"),
            Route("POST", "/api/users/{id}/unlock", self.unlock, "Lift a lock-out after wrong passwords"),
            Route("POST", "/api/users/{id}/reset-two-factor", self.reset_two_factor,
                  "Remove the second factor and recovery codes (a lost phone); sessions end, the user enrols "
                  "again where the role requires it"),
        ]

    async def _check(self, user_id: int | None, role: str, operator_id: str | None, agency_id: int | None) -> None:
        """A softphone is one of the configured endpoints and serves one active account; an agency
        account names an agency that exists."""
        if operator_id is not None and operator_id not in self.phones:
            raise Refused(400, f"Máy điện thoại {operator_id} chưa được cấu hình (tệp hàng đợi của hồ sơ tỉnh)")
        async with self.accounts.sessions() as s:
            if operator_id is not None:
                other = await s.scalar(select(User.username).where(
                    User.operator_id == operator_id, User.active.is_(True), User.id != (user_id or 0)))
                if other:
                    raise Refused(409, f"Máy điện thoại {operator_id} đang được gán cho {other}")
            if agency_id is not None and await s.get(Agency, agency_id) is None:
                raise Refused(422, "Không có cơ quan này")  # a field of the request, not its path

    @requires("admin")
    async def list_users(self, request: web.Request) -> web.Response:
        return web.json_response({"users": await self.accounts.list_users(), "phones": sorted(self.phones)},
                                 dumps=_dumps)

    @requires("admin")
    async def create(self, request: web.Request) -> web.Response:
        body = await parse_body(request, UserIn)
        agency_id = body.agency_id if body.role == "agency" else None
        operator_id = body.operator_id if body.role in ("operator", "supervisor") else None
        await self._check(None, body.role, operator_id, agency_id)
        password = temporary_password()
        user_id = await self.accounts.create_user(body.username, body.full_name, body.role, password, operator_id,
                                                  agency_id, body.agency_leader and agency_id is not None,
                                                  must_change=True)
        return web.json_response({"user": await self.accounts.get_user(user_id), "temporary_password": password},
                                 status=201, dumps=_dumps, headers={"Cache-Control": "no-store"})

    @requires("admin")
    async def change(self, request: web.Request) -> web.Response:
        user_id = path_id(request, "id", "Không có tài khoản này")
        body = await parse_body(request, UserChange)
        changes = body.model_dump(exclude_unset=True)
        current = await self.accounts.get_user(user_id)
        role = changes.get("role", current["role"])
        if user_id == principal(request).user_id and role != "admin":
            raise Refused(409, "Không thể tự bỏ quyền quản trị của mình")
        merged = {**current, **changes}
        if role != "agency":
            merged["agency_id"], merged["agency_leader"] = None, False
        if role not in ("operator", "supervisor"):
            merged["operator_id"] = None
        await self._check(user_id, role, merged["operator_id"], merged["agency_id"])
        view = await self.accounts.update_user(user_id, full_name=merged["full_name"], role=role,
                                               operator_id=merged["operator_id"], agency_id=merged["agency_id"],
                                               agency_leader=bool(merged["agency_leader"]))
        return web.json_response({"user": view}, dumps=_dumps)

    @requires("admin")
    async def disable(self, request: web.Request) -> web.Response:
        user_id = path_id(request, "id", "Không có tài khoản này")
        if user_id == principal(request).user_id:
            raise Refused(409, "Không thể tự khóa tài khoản của mình")
        return web.json_response({"user": await self.accounts.set_active(user_id, False)}, dumps=_dumps)

    @requires("admin")
    async def enable(self, request: web.Request) -> web.Response:
        user_id = path_id(request, "id", "Không có tài khoản này")
        view = await self.accounts.get_user(user_id)
        await self._check(user_id, view["role"], view["operator_id"], view["agency_id"])
        return web.json_response({"user": await self.accounts.set_active(user_id, True)}, dumps=_dumps)

    @requires("admin")
    async def reset(self, request: web.Request) -> web.Response:
        user_id = path_id(request, "id", "Không có tài khoản này")
        password = await self.accounts.reset_password(user_id)
        return web.json_response({"user": await self.accounts.get_user(user_id), "temporary_password": password},
                                 dumps=_dumps, headers={"Cache-Control": "no-store"})

    @requires("admin")
    async def reset_two_factor(self, request: web.Request) -> web.Response:
        user_id = path_id(request, "id", "Không có tài khoản này")
        if user_id == principal(request).user_id:
            raise Refused(409, "Không thể tự đặt lại xác thực hai bước của mình; nhờ quản trị viên khác")
        return web.json_response({"user": await self.accounts.reset_two_factor(user_id)}, dumps=_dumps)

    @requires("admin")
    async def unlock(self, request: web.Request) -> web.Response:
        user_id = path_id(request, "id", "Không có tài khoản này")
        return web.json_response({"user": await self.accounts.unlock(user_id)}, dumps=_dumps)


def _dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, default=lambda d: d.isoformat())
