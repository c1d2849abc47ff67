"""Every route of the application, walked from `app.router` (not from a list kept by hand): each
one is public by declaration or needs a session (401 without), refuses the roles it does not name
(403), and refuses a user who must first change their password (403 password_change_required).
The application is the one `hotline.app.build` assembles, on both database engines."""

from __future__ import annotations

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from hotline.agencies.directory import AgencyDirectory
from hotline.agencies.schemas import AgencyIn
from hotline.agent_desktop.accounts import Principal
from hotline.app import Prepared, build, load_checked_profile
from hotline.asterisk.sip_auth import SipPasswords
from hotline.credentials import load_or_create
from hotline.demo import DEMO_AGENCIES
from hotline.settings import Settings
from hotline.ticketing.store import TicketStore

ROLES = ("operator", "supervisor", "admin", "agency", "office")
SAMPLE = {"id": "1", "file": "1", "linkedid": "1.1", "action": "close", "code": "12345678", "secret": "A" * 16,
          "fmt": "json"}


@pytest.fixture
async def app(sessions, tmp_path):
    settings = Settings(home=tmp_path / "home")
    settings.home.mkdir()
    profile = load_checked_profile(settings)
    engine = sessions.kw["bind"]
    sip = SipPasswords(sessions, tmp_path / "etc", [o.id for o in profile.queues.phones()])
    prepared = Prepared(settings, profile, load_or_create(settings.secrets_file), engine, TicketStore(sessions),
                        None, sip)
    hotline = build(settings, prepared, with_ivr=False)
    client = TestClient(TestServer(hotline.desktop.app))
    await client.start_server()
    yield hotline, client
    await client.close()
    hotline.hasher.close()


def walk(app: web.Application):
    """(method, concrete path, handler) for every route but static files and HEAD."""
    for route in app.router.routes():
        if route.method == "HEAD" or isinstance(route.resource, web.StaticResource):
            continue
        info = route.resource.get_info()
        path = info.get("path") or info["formatter"].format(**SAMPLE)
        yield route.method, path, route.handler


async def user_of(hotline, role: str, must_change: bool = False) -> Principal:
    """A real account of `role` (an agency's with its agency)."""
    agency_id = None
    if role == "agency":
        agency, _ = await AgencyDirectory(hotline.accounts.sessions).save(AgencyIn.model_validate(DEMO_AGENCIES[0]))
        agency_id = agency.id
    name = f"walk_{role}{'_new' if must_change else ''}"
    phone = {"operator": "op1", "supervisor": "sup1"}.get(role)
    uid = await hotline.accounts.create_user(name, name, role, "mat-khau-dai-du-10", phone, agency_id=agency_id,
                                             must_change=must_change)
    return Principal(uid, name, name, role, phone, agency_id=agency_id, must_change_password=must_change)


async def cookie_of(hotline, user: Principal) -> dict:
    """A new session: a route may end the one it was called with (log out, change the password)."""
    return {"hl_session": await hotline.accounts.open_session(user)}


async def test_every_route_is_public_by_declaration_or_refuses_without_a_session_and_to_other_roles(app):
    hotline, client = app
    routes = list(walk(hotline.desktop.app))
    assert len(routes) > 60
    users = {role: await user_of(hotline, role) for role in ROLES}
    checked = 0
    for method, path, handler in routes:
        if getattr(handler, "public", False):
            continue
        assert hasattr(handler, "roles"), f"{method} {path}: neither public nor behind requires()"
        async with client.request(method, path, json={}) as r:
            assert r.status == 401, (method, path, r.status)
            assert (await r.json())["code"] == "unauthenticated"
        for role in ROLES:
            if handler.roles and role not in handler.roles:
                async with client.request(method, path, json={}, cookies=await cookie_of(hotline, users[role])) as r:
                    assert r.status == 403, (method, path, role, r.status)
                    assert (await r.json())["code"] == "forbidden"
                    checked += 1
    assert checked > 100


async def test_a_user_who_must_change_the_password_reaches_only_the_routes_that_allow_it(app):
    hotline, client = app
    allowed = set()
    users = {role: await user_of(hotline, role, must_change=True) for role in ROLES}
    for method, path, handler in walk(hotline.desktop.app):
        if getattr(handler, "public", False):
            continue
        role = handler.roles[0] if handler.roles else "supervisor"
        async with client.request(method, path, json={}, cookies=await cookie_of(hotline, users[role])) as r:
            if r.status != 403 or (await r.json())["code"] != "password_change_required":
                allowed.add((method, path))
    assert allowed == {("GET", "/api/me"), ("POST", "/api/password"), ("POST", "/api/logout")}


async def test_every_documented_route_is_in_the_router_and_the_other_way_round(app):
    hotline, _ = app
    doc = hotline.desktop.document["paths"]
    documented = {(m.upper(), p) for p, ops in doc.items() for m in ops}
    routed = {(r.method, r.path) for r in hotline.desktop.routes if r.documented}
    assert documented == routed
    for method, path, handler in walk(hotline.desktop.app):
        if path.startswith("/api/") and not getattr(handler, "public", False):
            assert any(r.handler == handler for r in hotline.desktop.routes), (method, path)
