"""OpenAPI 3.1 description of the desktop's HTTP API, served at /api/openapi.json.

Request schemas come from the pydantic models the routes validate with (one document, every
`$ref` under `#/components/schemas`). Each operation lists the statuses it can answer, with the
error body every route uses (`Error`: a Vietnamese message and, where a client acts on it, a
stable `code`)."""

from __future__ import annotations

from functools import lru_cache

from pydantic.json_schema import models_json_schema

from hotline.agencies.schemas import AgencyIn
from hotline.agent_desktop.users_api import UserChange, UserIn
from hotline.web.validation import (ActionIn, GrantIn, ListenIn, NewTicketIn, PasswordChange, PauseIn,
                                              TicketEdit, TransferRequest, VerificationIn)

MODELS = [AgencyIn, ActionIn, GrantIn, ListenIn, NewTicketIn, PasswordChange, PauseIn, TicketEdit, TransferRequest,
          UserChange, UserIn, VerificationIn]
ERROR = {"$ref": "#/components/schemas/Error"}
REASONS = {"200": "OK", "201": "Created", "206": "Partial content (Range)", "400": "Invalid input",
           "401": "No or expired session", "403": "Role not allowed, not yours, or password change required",
           "404": "Unknown resource", "409": "Not possible in the current state", "410": "Expired",
           "413": "Body too large", "415": "Not JSON (or not a same-site upload)", "416": "Range not satisfiable",
           "422": "Input refused", "423": "Account locked after wrong passwords", "429": "Too many attempts",
           "502": "Asterisk refused the command"}


def _op(summary: str, roles: str, body: dict | None = None, params: list | None = None,
        extra: tuple[str, ...] = (), ok: str = "200") -> dict:
    codes = {ok, "401", "403", *extra}
    if params:
        codes.add("404")
    if body:
        codes |= {"400", "413", "415", "422"}
    op = {"summary": summary, "description": f"Roles: {roles}.", "security": [{"session": []}], "responses": {}}
    for code in sorted(codes):
        resp: dict = {"description": REASONS.get(code, "")}
        if code >= "400":
            resp["content"] = {"application/json": {"schema": ERROR}}
        op["responses"][code] = resp
    if body:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if params:
        op["parameters"] = params
    return op


def _writes(paths: dict) -> dict:
    """State-changing operations may also answer 409 (not now), 413 and 415 (a non-JSON body)."""
    for ops in paths.values():
        for method, op in ops.items():
            if method in ("post", "put", "delete"):
                for code in ("409", "413", "415"):
                    op["responses"].setdefault(code, {"description": REASONS[code],
                                                      "content": {"application/json": {"schema": ERROR}}})
                op["responses"] = dict(sorted(op["responses"].items()))
    return paths


def _schemas() -> dict:
    _, doc = models_json_schema([(m, "validation") for m in MODELS], ref_template="#/components/schemas/{model}")
    schemas = doc.get("$defs", {})
    schemas["Error"] = {"type": "object", "required": ["error", "code"],
                        "properties": {"error": {"type": "string", "description": "Vietnamese, for the user"},
                                       "code": {"type": "string", "description": "stable id, for the client"}}}
    return schemas


@lru_cache(maxsize=1)
def openapi_document() -> dict:
    linkedid = [{"name": "linkedid", "in": "path", "required": True, "schema": {"type": "string"}}]
    ticket_id = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    file_id = [{"name": "file", "in": "path", "required": True, "schema": {"type": "integer"}}]
    action = [{"name": "action", "in": "path", "required": True, "schema": {"type": "string"}}]
    login = {"type": "object", "required": ["username", "password"],
             "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}
    user_in, user_change = {"$ref": "#/components/schemas/UserIn"}, {"$ref": "#/components/schemas/UserChange"}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Hotline 1022 desktop API", "version": "1"},
        "components": {"securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "hl_session"}},
                       "schemas": _schemas()},
        "paths": _writes({
            "/api/login": {"post": {**_op("Log in; sets the session cookie", "anyone", login, extra=("423", "429")),
                                    "security": []}},
            "/api/password": {"post": _op("Change one's own password (current, then the policy: 10 characters, "
                                          "not the user name, not a common password); other sessions end",
                                          "any (also before a required change)",
                                          {"$ref": "#/components/schemas/PasswordChange"}, extra=("429",))},
            "/api/users": {"get": _op("Accounts with role, softphone, state and last login; configured phones",
                                      "admin"),
                           "post": _op("Create an account; answers a one-time password to hand over (must be "
                                       "changed at first login)", "admin", user_in, ok="201")},
            "/api/users/{id}": {"put": _op("Change name, role, softphone or agency (a changed role or phone ends "
                                           "the user's sessions)", "admin", user_change, ticket_id)},
            "/api/users/{id}/disable": {"post": _op("Disable: sessions, sockets, queues and SIP password end at once",
                                                    "admin", params=ticket_id)},
            "/api/users/{id}/enable": {"post": _op("Enable again", "admin", params=ticket_id)},
            "/api/users/{id}/reset-password": {"post": _op("New one-time password; sessions end", "admin",
                                                           params=ticket_id)},
            "/api/users/{id}/unlock": {"post": _op("Lift a lock-out after wrong passwords", "admin",
                                                   params=ticket_id)},
            "/api/logout": {"post": _op("Log out (an operator also leaves the queues)", "any")},
            "/api/me": {"get": _op("The logged-in user", "any")},
            "/api/sip-credentials": {"get": _op("A SIP password issued to this session's softphone (the previous one "
                                                "stops working); 409 without a softphone", "operator, supervisor",
                                                extra=("409", "502"))},
            "/api/pause-reasons": {"get": _op("Pause reason codes and their names", "operator, supervisor")},
            "/api/agent/login": {"post": _op("Join the operator's queues", "operator")},
            "/api/agent/logout": {"post": _op("Leave the queues", "operator")},
            "/api/agent/pause": {"post": _op("Pause with a reason (a code of /api/pause-reasons)", "operator",
                                             {"$ref": "#/components/schemas/PauseIn"})},
            "/api/agent/unpause": {"post": _op("End the pause", "operator")},
            "/api/calls/{linkedid}/ticket": {"get": _op("The draft ticket of a call", "operator (own), supervisor",
                                                        params=linkedid)},
            "/api/tickets/{id}": {"put": _op("Edit (or submit) a ticket", "operator (own draft), supervisor",
                                             {"$ref": "#/components/schemas/TicketEdit"}, ticket_id),
                                  "get": _op("A ticket with its step, deadline, history, attachments and the "
                                             "workflow actions allowed now", "operator, supervisor, admin",
                                             params=ticket_id)},
            "/api/tickets": {"get": _op("The hotline's work list: tickets in a step the hotline holds, earliest "
                                        "due first", "operator, supervisor, admin"),
                             "post": _op("Record a report from another channel; it enters the workflow",
                                         "operator, supervisor, admin", {"$ref": "#/components/schemas/NewTicketIn"},
                                         ok="201")},
            "/api/tickets/{id}/actions/{action}": {"post": _op(
                "Take a workflow action (transfer, answer_directly, reject, clarify, close...)",
                "operator, supervisor, admin", {"$ref": "#/components/schemas/ActionIn"}, ticket_id + action)},
            "/api/tickets/{id}/duplicate-candidates": {"get": _op(
                "Open tickets that may be the same incident, scored", "operator, supervisor, admin", params=ticket_id)},
            "/api/tickets/{id}/duplicate-of": {"post": _op(
                "Close as a duplicate of an open ticket; the reporter is told by SMS", "operator, supervisor, admin",
                {"type": "object", "properties": {"code": {"type": "string"}}}, ticket_id)},
            "/api/agency/tickets/{id}/actions/{action}": {"post": _op(
                "An agency's workflow action (answer, reschedule, return, approve, approve_edited, send_back)",
                "agency (own tickets)", {"$ref": "#/components/schemas/ActionIn"}, ticket_id + action)},
            "/api/agency/tickets/{id}/attachments": {"post": {**_op(
                "Attach files to the agency's answer (multipart/form-data: files, up to 5 photos, videos, "
                "audio or PDF; public=1 to publish them with the result); needs the header X-Hotline-Upload: 1",
                "agency (own tickets)", params=ticket_id),
                "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                    "type": "object", "properties": {"files": {"type": "array", "items": {
                        "type": "string", "format": "binary"}}, "public": {"type": "string"}}}}}}}},
            "/api/agency/tickets/{id}/coordination": {"post": _op(
                "Ask another agency to coordinate on this ticket (where the workflow has coordination); "
                "it answers within the profile's limit", "agency (own tickets)",
                {"type": "object", "properties": {"agency_id": {"type": "integer"}, "question": {"type": "string"}}},
                ticket_id, ok="201")},
            "/api/agency/coordination": {"get": _op(
                "What other agencies asked this one to coordinate on (ticket code and content, no reporter data)",
                "agency")},
            "/api/agency/coordination/{id}/answer": {"post": _op(
                "Answer a coordination request, once", "agency (the agency asked)",
                {"type": "object", "properties": {"answer": {"type": "string"}}}, ticket_id)},
            "/api/agency/tickets/{id}/letter": {"get": _op(
                "The result notice on the province's template (Quảng Ninh appendix II), an HTML page to print",
                "agency (own tickets)", params=ticket_id)},
            "/api/tickets/{id}/letter": {"get": _op(
                "The result notice on the province's template, an HTML page to print", "operator, supervisor, admin",
                params=ticket_id)},
            "/api/agency/partners": {"get": _op("The other active agencies (to ask for coordination)", "agency")},
            "/api/agency/tickets/{id}/attachments/{file}": {"get": _op(
                "Download a file of one of the agency's tickets", "agency (own tickets)", params=ticket_id + file_id)},
            "/api/tickets/{id}/attachments/{file}": {"get": _op(
                "Download a file of a ticket (citizen's or agency's)", "operator, supervisor, admin",
                params=ticket_id + file_id)},
            "/api/reports": {"get": _op("Report figures of a period (kind, date, until)", "supervisor, admin")},
            "/api/reports/export": {"get": _op("The report as CSV or XLSX (format)", "supervisor, admin")},
            "/api/supervisor/state": {"get": _op("Live calls, agents and queues", "supervisor")},
            "/api/supervisor/listen": {"post": _op("Listen to or whisper on a call from the supervisor's phone",
                                                   "supervisor", {"$ref": "#/components/schemas/ListenIn"},
                                                   extra=("404", "502"))},
            "/api/agencies": {"get": _op("Search the agency directory (q, field; all=1 for admins)",
                                         "operator, supervisor, admin"),
                              "post": _op("Add an agency", "admin", {"$ref": "#/components/schemas/AgencyIn"},
                                          ok="201")},
            "/api/agencies/meta": {"get": _op("Levels, contact roles, routes and queues", "any")},
            "/api/agencies/{id}": {"get": _op("One agency", "operator, supervisor, admin", params=ticket_id),
                                   "put": _op("Replace an agency and its contacts", "admin",
                                              {"$ref": "#/components/schemas/AgencyIn"}, ticket_id)},
            "/api/calls/{linkedid}/transfers": {
                "post": _op("Transfer the call (warm, blind, or back to a queue)", "operator (own call)",
                            {"$ref": "#/components/schemas/TransferRequest"}, linkedid, extra=("502",), ok="201"),
                "get": _op("The call's transfer attempts", "operator (own call), supervisor, admin", params=linkedid)},
            "/api/transfers/{id}/complete": {"post": _op("Complete a warm transfer", "operator", params=ticket_id)},
            "/api/transfers/{id}/cancel": {"post": _op("Cancel a warm transfer", "operator", params=ticket_id)},
            "/api/transfers/{id}/slip": {"post": _op("Send the transfer slip (SMS to the focal point)",
                                                     "operator (own transfer), supervisor, admin", params=ticket_id)},
            "/api/supervisor/overdue": {"get": _op("Overdue transferred tickets (the provincial office's list)",
                                                   "supervisor, admin")},
            "/api/agency/tickets": {"get": _op("The agency's inbox: tickets transferred to it, with deadlines",
                                               "agency")},
            "/api/agency/tickets/{id}/answer": {"post": _op("Record the agency's answer", "agency",
                                                            {"type": "object", "properties": {
                                                                "result": {"type": "string"}}}, ticket_id)},
            "/api/agencies/{id}/accounts": {"post": _op("Open an inbox account for a person of the agency", "admin",
                                                        {"type": "object", "properties": {
                                                            "username": {"type": "string"},
                                                            "full_name": {"type": "string"},
                                                            "password": {"type": "string"}}}, ticket_id,
                                                        ok="201")},
            "/api/recordings": {"get": _op("Recordings the user may reach (from, to, operator, agency_id, topic, "
                                           "code, phone, q = words of the transcript, status)",
                                           "supervisor, admin (all), operator (own calls), agency (granted)")},
            "/api/recordings/{id}": {"get": _op("One recording with its transcript and verifications",
                                                "as /api/recordings", params=ticket_id)},
            "/api/recordings/{id}/audio": {"get": _op("Stream (Range requests) or download=1; audited", "as /api/recordings",
                                                      params=ticket_id)},
            "/api/recordings/{id}/grants": {"post": _op("Lend the recording to an agency for verification",
                                                        "supervisor, admin",
                                                        {"$ref": "#/components/schemas/GrantIn"}, ticket_id,
                                                        ok="201")},
            "/api/recording-grants/{id}": {"delete": _op("Revoke a grant", "supervisor, admin", params=ticket_id)},
            "/api/recordings/{id}/verifications": {"post": _op("Record a verification of the answer", "supervisor, admin",
                                                               {"$ref": "#/components/schemas/VerificationIn"},
                                                               ticket_id, ok="201")},
            "/api/recordings/review": {"get": _op("The week's calls and verdicts (week=YYYY-MM-DD)", "supervisor, admin")},
            "/api/recordings/audit": {"get": _op("Audit log of listens, downloads, grants, verifications",
                                                 "supervisor, admin")},
            "/ws": {"get": _op("WebSocket of events, schema v1 (docs/desktop-api.md); the Origin must be this "
                               "site's", "any")},
        }),
    }
