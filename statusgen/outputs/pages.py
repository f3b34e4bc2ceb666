"""The HTML pages of the site."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, TypedDict, TypeVar
from zoneinfo import ZoneInfo

import jinja2

from statusgen.derive.report import monthly_report, plan_reports
from statusgen.model.content import Component, Group, SiteInfo, Update, UpdateStatus
from statusgen.model.sla import Annotation, DeadlineKind
from statusgen.model.state import IncidentState, Snapshot
from statusgen.outputs.base import Inputs, Output, Shows
from statusgen.outputs.static import default_favicon, theme_stylesheet
from statusgen.render.environment import render_template

HISTORY_PAGE_SIZE = 50


T = TypeVar("T")


class PageContext(TypedDict):
    """What every template receives (pages add their own keys)."""

    site: SiteInfo
    groups: tuple[Group, ...]
    snapshot: Snapshot
    root: str  # relative path from the page to the site root, "" or "../"
    page_path: str
    canonical_url: str


@dataclass(frozen=True, slots=True)
class Page:
    """One slice of a paginated list."""

    number: int
    count: int
    items: tuple[Any, ...]
    path: str
    previous_path: str | None
    next_path: str | None


def paginate(items: Sequence[T], size: int, path_of: Callable[[int], str]) -> Iterator[Page]:
    """Split `items` into pages; page 1 always exists, even when empty."""
    count = max(1, math.ceil(len(items) / size))
    for number in range(1, count + 1):
        yield Page(
            number=number,
            count=count,
            items=tuple(items[(number - 1) * size : number * size]),
            path=path_of(number),
            previous_path=path_of(number - 1) if number > 1 else None,
            next_path=path_of(number + 1) if number < count else None,
        )


def by_month(
    states: Sequence[IncidentState], tz: ZoneInfo
) -> list[tuple[datetime, list[IncidentState]]]:
    """Consecutive runs of incidents that started in the same month, in the given order."""
    months: list[tuple[datetime, list[IncidentState]]] = []
    for state in states:
        local = state.started.astimezone(tz)
        month = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        if months and months[-1][0] == month:
            months[-1][1].append(state)
        else:
            months.append((month, [state]))
    return months


def timeline(
    state: IncidentState, annotation: Annotation | None, now: datetime, deadlines: bool
) -> list[tuple[DeadlineKind | None, Any]]:
    """What happened, newest first: the updates but the postmortems, which the page shows
    apart, as (None, Update); with `deadlines`, each deadline that came while the incident was
    open, as (kind, Deadline). A deadline still to come is not in the past (the page's SLA
    panel tells it), and one that comes after the incident closed changes nothing: a closed
    incident's page stays the same from one build to the next."""
    entries: list[tuple[datetime, int, DeadlineKind | None, Any]] = [
        (u.at, 1, None, u) for u in state.updates if u.status is not UpdateStatus.POSTMORTEM
    ]
    if annotation is not None and deadlines:
        until = now if state.ended is None else min(state.ended, now)
        for kind, mark in annotation.deadlines:
            if mark.due_at <= until:
                entries.append((mark.due_at, 0, kind, mark))
    entries.sort(key=lambda e: (e[0], e[1]), reverse=True)
    return [(kind, item) for _, _, kind, item in entries]


def postmortems(state: IncidentState) -> list[Update]:
    """The incident's postmortems, newest first: the page gives them a section of their own."""
    return [u for u in state.updates if u.status is UpdateStatus.POSTMORTEM]


def feed_links(path: str, title: str) -> list[dict[str, str]]:
    """The <link rel="alternate"> entries by which browsers and readers discover feeds."""
    return [
        {"type": "application/rss+xml", "title": f"{title} (RSS)", "path": f"{path}.rss"},
        {"type": "application/atom+xml", "title": f"{title} (Atom)", "path": f"{path}.atom"},
        {
            "type": "application/feed+json",
            "title": f"{title} (JSON Feed)",
            "path": "feed.json" if path == "history" else f"{path}.json",
        },
    ]


def outputs(inputs: Inputs) -> Iterator[Output]:
    """Every HTML page of the site.

    Pages that show only closed incidents do not show the build time (no "as of" line), so
    they stay the same from one build to the next."""
    content, derived, env = inputs.site, inputs.derived, inputs.templates
    site = content.info
    snapshot = derived.snapshot
    now = snapshot.now
    site_feeds = feed_links("history", site.title)
    shared: dict[str, Any] = {
        "site": site,
        "groups": content.groups,
        "snapshot": snapshot,
        "as_of": None,
        "uptime": derived.uptime,
        "uptime_days": content.uptime.days,
        "uptime_weights": sorted(content.uptime.weights.items(), reverse=True),
        "sla_enabled": content.sla.published,
        "sla_full": content.sla.detailed,
        "feeds": site_feeds,
        "favicon": site.favicon or default_favicon(),
        "self_contained": False,
        "nav_current": "",  # the page of the navigation this one is (see site_nav)
    }

    def page(path: str, template: str, shows: Shows, **extra: Any) -> Output:
        """A page drawn on demand; an `extra` value given as a function is called then."""
        return Output(path, partial(_draw, env, shared, site, path, template, extra), shows)

    def incident_page(state: IncidentState) -> dict[str, Any]:
        annotation = derived.annotations.get(state.id)
        by_plan = derived.plan_annotations.get(state.id, {}) if content.sla.declared_plans else {}
        return {
            "as_of": now if state.is_open else None,
            "incident": state,
            "sla": annotation,
            # Each published plan that covers it, with its annotation, the default plan first.
            "sla_plans": [
                (plan, by_plan[plan.id])
                for plan in content.sla.published_plans
                if plan.id in by_plan
            ],
            "maintenance_check": derived.maintenance.get(state.id),
            "timeline": timeline(state, annotation, now, content.sla.detailed),
            "postmortems": postmortems(state),
        }

    def component_feeds(component: Component) -> list[dict[str, str]]:
        own = feed_links(f"components/{component.id}", f"{site.title}: {component.name}")
        return own + site_feeds

    # The home page and the report draw on every incident (the bars, the last days, the months).
    everything = Shows(incidents=snapshot.incidents, clock=True)
    yield page("index.html", "index.html", everything, as_of=now, nav_current="status")
    for state in snapshot.incidents:
        # Made when the page is drawn: ten thousand pages waiting to be written hold only this.
        yield page(
            f"incidents/{state.id}.html",
            "incident.html",
            Shows(incidents=(state,)),
            context=partial(incident_page, state),
        )
    for component_state in snapshot.components.values():
        component = component_state.component
        for slice_ in paginate(
            component_state.incidents, HISTORY_PAGE_SIZE, partial(_component_page, component.id)
        ):
            first = slice_.number == 1  # with the availability bar, which moves with time
            yield page(
                slice_.path,
                "component.html",
                Shows(
                    incidents=slice_.items,
                    clock=first,
                    values=(str(slice_.count), component_state.status.value),
                ),
                as_of=now if first else None,
                feeds=partial(component_feeds, component),
                component=component_state,
                pagination=slice_,
                months=partial(by_month, slice_.items, site.timezone),
            )
    for slice_ in paginate(
        snapshot.incidents,
        HISTORY_PAGE_SIZE,
        lambda n: "history/index.html" if n == 1 else f"history/{n}.html",
    ):
        live = any(s.is_open for s in slice_.items)
        yield page(
            slice_.path,
            "history.html",
            Shows(incidents=slice_.items, values=(str(slice_.count),)),
            as_of=now if live else None,
            nav_current="history" if slice_.number == 1 else "",
            pagination=slice_,
            months=partial(by_month, slice_.items, site.timezone),
        )
    if content.sla.published:
        yield page(
            "sla/index.html",
            "sla.html",
            everything,
            as_of=now,
            nav_current="sla",
            report=partial(monthly_report, snapshot, derived.annotations, site.timezone),
            plan_reports=partial(
                plan_reports, snapshot, derived.plan_annotations, content.sla, site.timezone
            )
            if content.sla.declared_plans
            else (),
        )
    # A host serves 404.html at any depth, and perhaps at another address than site.url (a
    # project site before its domain is set up): its links go to site.url, and it carries its
    # style sheet and images inside itself, so that it looks right wherever it is served.
    images = tuple(asset.digest for asset in (site.logo, site.favicon) if asset is not None)
    yield page(
        "404.html",
        "404.html",
        Shows(values=images),
        root=site.url,
        self_contained=True,
        stylesheet=theme_stylesheet,
    )


def _draw(
    env: jinja2.Environment,
    shared: dict[str, Any],
    site: SiteInfo,
    path: str,
    template: str,
    extra: dict[str, Any],
) -> bytes:
    context = {
        **shared,
        "root": "../" * path.count("/"),
        "page_path": path,
        "canonical_url": site.url + path.removesuffix("index.html"),
    }
    for name, value in extra.items():
        if name == "context":  # a function giving several values at once
            context.update(value())
        else:
            context[name] = value() if callable(value) else value
    return render_template(env, template, context, path)


def _component_page(cid: str, number: int) -> str:
    """The path of a component's page `number` (its history, 50 incidents a page)."""
    return f"components/{cid}.html" if number == 1 else f"components/{cid}-{number}.html"
