"""The generic webhook: each notice as the JSON Atlassian Statuspage posts to its webhook
subscribers, so that a receiver written for Statuspage (Zulip's, FireHydrant's, a team's own)
works unchanged.

The shapes are Statuspage's documented ones: `meta` (`unsubscribe`, `documentation`,
`generated_at`), `page` (`id`, `status_indicator`, `status_description`), then `incident` with
`incident_updates` newest first (a maintenance is an incident with `scheduled_for` and
`scheduled_until`, as there). See https://support.atlassian.com/statuspage/docs/enable-webhook-notifications/
and the payloads receivers are tested with, such as Zulip's fixtures
(https://github.com/zulip/zulip/tree/main/zerver/webhooks/statuspage/fixtures). The incident
object is the JSON API's own (statusgen/outputs/api.py), as it stood when the update was posted:
every receiver takes `incident_updates[0]` as the news, so a run catching up on three updates
posts three payloads, each ending at its own update.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from statusgen.derive import Derived
from statusgen.model.content import Site
from statusgen.model.state import IncidentState
from statusgen.notify.channel import Recipient
from statusgen.notify.chat import Post, UrlChannel
from statusgen.notify.http import post_json
from statusgen.notify.notices import Notice
from statusgen.notify.wording import Phrasebook
from statusgen.outputs.api import StatuspageApi

DOCUMENTATION = "https://support.atlassian.com/statuspage/docs/enable-webhook-notifications/"


class WebhookChannel(UrlChannel):
    platform = "Webhook (Statuspage JSON)"

    def __init__(
        self,
        name: str,
        url: str,
        words: Phrasebook,
        site: Site,
        derived: Derived,
        components: frozenset[str] | None = None,
        post: Post = post_json,
    ) -> None:
        super().__init__(name, url, words, components, post)
        self.api = StatuspageApi(site, derived)
        self.site = site
        self.now = derived.snapshot.now

    def headers(self, notice: Notice) -> dict[str, str]:
        # The same on a resend, so that a receiver may recognise one.
        return {"X-Statusgen-Delivery": f"{self.name}/{notice.id}"}

    def preview(self, notice: Notice, recipient: Recipient) -> str:
        return f"{self.platform}:\n{json.dumps(self.payload(notice), ensure_ascii=False, indent=2)}"

    def payload(self, notice: Notice) -> dict[str, Any]:
        return {
            "meta": {
                # Statuspage's link unsubscribes this endpoint; here the site's owners do that.
                "unsubscribe": self.site.info.url,
                "documentation": DOCUMENTATION,
                "generated_at": _utc(self.now),
            },
            "page": {
                "id": self.api.page_id,
                "status_indicator": self.api.status["indicator"],
                "status_description": self.api.status["description"],
            },
            "incident": self.api.incident_as_of(as_posted(notice)),
        }


def as_posted(notice: Notice) -> IncidentState:
    """The incident as it stood once the notice's update was posted: the updates up to it, its
    status, ended only if that update closed it."""
    state = notice.state
    position = next(i for i, update in enumerate(state.updates) if update is notice.update)
    update = notice.update
    return replace(
        state,
        updates=state.updates[position:],
        status=update.status,
        is_open=not update.status.closes,
        ended=update.at if update.status.closes else None,
    )


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
