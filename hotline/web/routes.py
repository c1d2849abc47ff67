"""Route tables: each HTTP resource module lists its routes once, and that list drives both the
aiohttp router and the OpenAPI document. Who may call a route is read from its handler (the
`requires` decorator, or `public`), so the document, the router and the tests cannot disagree."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from aiohttp import web
from pydantic import BaseModel

PARAM = re.compile(r"\{(\w+)\}")


def public(handler):
    """Marks a handler that anyone may call (login, the citizens' pages, static pages)."""
    handler.public = True
    return handler


@dataclass(frozen=True)
class Route:
    method: str  # GET, POST, PUT, DELETE
    path: str  # aiohttp pattern: /api/tickets/{id}
    handler: Callable
    summary: str  # English, for the API document
    body: type[BaseModel] | dict | None = None  # a request model, or a JSON schema (multipart uploads)
    ok: str = "200"
    extra: tuple[str, ...] = ()  # other statuses the route may answer
    documented: bool = True  # in the JSON API document (pages and the citizens' forms are not)
    body_type: str = "application/json"
    param_types: dict[str, str] = field(default_factory=dict)  # path parameter → JSON type (default integer)

    @property
    def roles(self) -> tuple[str, ...] | None:
        """The roles that may call it: () any logged-in role; None: anyone, no session needed."""
        if getattr(self.handler, "public", False):
            return None
        return tuple(getattr(self.handler, "roles", ()))

    @property
    def params(self) -> list[str]:
        return PARAM.findall(self.path)

    def schema_of_body(self) -> dict | None:
        if self.body is None:
            return None
        if isinstance(self.body, dict):
            return self.body
        return {"$ref": f"#/components/schemas/{self.body.__name__}"}


def register(router: web.UrlDispatcher, routes: list[Route]) -> None:
    for r in routes:
        router.add_route(r.method, r.path, r.handler)


def models_of(routes: list[Route]) -> list[type[BaseModel]]:
    seen: dict[str, Any] = {}
    for r in routes:
        if isinstance(r.body, type) and issubclass(r.body, BaseModel):
            seen.setdefault(r.body.__name__, r.body)
    return list(seen.values())


class Resource:
    """The API object of one HTTP resource module: its `routes()` table drives the router (here)
    and the API document (`agent_desktop/openapi.py`)."""

    def routes(self) -> list[Route]:
        raise NotImplementedError

    def register(self, router: web.UrlDispatcher) -> None:
        register(router, self.routes())
