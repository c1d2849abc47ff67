"""OpenAPI 3.1 description of the desktop's HTTP API, served at /api/openapi.json, built from the
resource modules' route tables (`hotline.web.routes`): a route cannot exist without its entry.

Request schemas come from the pydantic models the routes validate with (one document, every
`$ref` under `#/components/schemas`). Each operation lists the statuses it can answer, with the
error body every route uses (`Error`: a Vietnamese message and, where a client acts on it, a
stable `code`)."""

from __future__ import annotations

from pydantic.json_schema import models_json_schema

from hotline.web.routes import Route, models_of

ERROR = {"$ref": "#/components/schemas/Error"}
REASONS = {"101": "Switching protocols (WebSocket)", "200": "OK", "201": "Created", "206": "Partial content (Range)", "400": "Invalid input",
           "401": "No or expired session", "403": "Role not allowed, not yours, or password change required",
           "404": "Unknown resource", "409": "Not possible in the current state", "410": "Expired",
           "413": "Body too large", "415": "Not JSON (or not a same-site upload)", "416": "Range not satisfiable",
           "422": "Input refused", "423": "Account locked after wrong passwords", "426": "WebSocket upgrade required", "429": "Too many attempts",
           "502": "Asterisk refused the command"}
WRITES = ("post", "put", "delete")


def _roles_text(route: Route) -> str:
    roles = route.roles
    if roles is None:
        return "anyone, no session"
    return ", ".join(roles) if roles else "any logged-in user"


def _operation(route: Route) -> dict:
    method = route.method.lower()
    codes = {route.ok, *route.extra}
    if route.roles is not None:
        codes |= {"401", "403"}
    if route.params:
        codes.add("404")
    body = route.schema_of_body()
    if body:
        codes |= {"400", "413", "415", "422"}
    if method in WRITES:
        codes |= {"409", "413", "415"}
    op: dict = {"summary": route.summary, "description": f"Roles: {_roles_text(route)}.",
                "security": [] if route.roles is None else [{"session": []}], "responses": {}}
    for code in sorted(codes):
        resp: dict = {"description": REASONS.get(code, "")}
        if code >= "400":
            resp["content"] = {"application/json": {"schema": ERROR}}
        op["responses"][code] = resp
    if body:
        op["requestBody"] = {"required": True, "content": {route.body_type: {"schema": body}}}
    if route.params:
        op["parameters"] = [{"name": name, "in": "path", "required": True,
                             "schema": {"type": route.param_types.get(name, "integer")}} for name in route.params]
    return op


def _schemas(routes: list[Route]) -> dict:
    _, doc = models_json_schema([(m, "validation") for m in models_of(routes)],
                                ref_template="#/components/schemas/{model}")
    schemas = doc.get("$defs", {})
    schemas["Error"] = {"type": "object", "required": ["error", "code"],
                        "properties": {"error": {"type": "string", "description": "Vietnamese, for the user"},
                                       "code": {"type": "string", "description": "stable id, for the client"}}}
    return schemas


def openapi_document(routes: list[Route]) -> dict:
    paths: dict[str, dict] = {}
    for route in routes:
        if route.documented:
            paths.setdefault(route.path, {})[route.method.lower()] = _operation(route)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Hotline 1022 desktop API", "version": "1"},
        "components": {"securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "hl_session"}},
                       "schemas": _schemas(routes)},
        "paths": paths,
    }
