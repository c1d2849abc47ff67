"""The names a desktop page shows instead of ids, served from the profile and the vocabularies
(`GET /api/meta`): topics and queues, channels, ticket statuses and workflow steps, the states of
calls and agents, pause reasons, ratings, and callback requests' reasons, statuses and outcomes.
The pages copy none of them."""

from __future__ import annotations

from aiohttp import web

from hotline.agent_desktop.accounts import Accounts
from hotline.agent_desktop.agent_api import PAUSE_REASONS
from hotline.callbacks.service import OUTCOMES, REASONS as CALLBACK_REASONS, STATUSES as CALLBACK_STATUSES
from hotline.config.profile import Profile
from hotline.config.statuses import STATUS_NAMES
from hotline.cti.model import AGENT_STATES, CALL_STATES
from hotline.ticketing.handling import RATINGS
from hotline.web.auth import requires
from hotline.web.routes import Resource, Route
from hotline.web.validation import CHANNEL_NAMES


class MetaApi(Resource):
    def __init__(self, accounts: Accounts, profile: Profile):
        self.accounts = accounts
        workflow = profile.workflow
        self.meta = {"province": profile.name, "topics": profile.queues.topic_names(),
                     "queues": {q.id: q.name for q in profile.queues.queues},
                     "operators": {o.id: o.name for o in [*profile.queues.operators, *profile.queues.supervisors]},
                     "channels": CHANNEL_NAMES, "statuses": STATUS_NAMES,
                     "steps": {name: step.title for name, step in workflow.steps.items()},
                     "agent_states": AGENT_STATES, "call_states": CALL_STATES, "pause_reasons": PAUSE_REASONS,
                     "ratings": {str(k): v for k, v in RATINGS.items()},
                     "callback_reasons": CALLBACK_REASONS, "callback_statuses": CALLBACK_STATUSES,
                     "callback_outcomes": OUTCOMES}

    def routes(self) -> list[Route]:
        return [Route("GET", "/api/meta", self.get, "Names to show for ids: topics, queues, operators, channels, "
                      "statuses, workflow steps, call and agent states, pause reasons, ratings, callback "
                      "reasons, statuses and outcomes")]

    @requires()
    async def get(self, request: web.Request) -> web.Response:
        return web.json_response(self.meta, headers={"Cache-Control": "private, max-age=300"})
