"""The SLA data of the JSON API: `api/sla.json`, a small index, and one file per month.

Every incident's SLA object and every maintenance's checks, ever, would make one file that grows
without end (27 MB at 50,000 incidents). So each item is published in the file of the month it
started in, in the site's time zone (the month the SLA report counts it in), and the index holds
only what a dashboard reads most: the recent items, as `incidents.json` and
`scheduled-maintenances.json` list them, every item whose clock still runs, and the list of
months. An edit of one incident redraws its month's file and the index, not every file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from zoneinfo import ZoneInfo

from statusgen.derive import Derived
from statusgen.model.sla import Disclosure, SlaConfig
from statusgen.model.state import IncidentState
from statusgen.outputs.api import RECENT_LIMIT, dump
from statusgen.outputs.base import Inputs, Output, Shows
from statusgen.outputs.sla_json import by_plan_json, maintenance_json, sla_json_text

INDEX = "api/sla.json"
FOLDER = "api/sla"


@dataclass(frozen=True, slots=True)
class Period:
    """The incidents and maintenance that started in one month, newest first."""

    name: str  # "2026-11"
    incidents: tuple[IncidentState, ...]
    maintenance: tuple[IncidentState, ...]

    @property
    def path(self) -> str:
        return f"{FOLDER}/{self.name}.json"

    @property
    def items(self) -> tuple[IncidentState, ...]:
        return self.incidents + self.maintenance


@dataclass(frozen=True, slots=True)
class SlaTexts:
    """Each item's object as compact JSON text. An incident's is usually made already: a
    rebuild reuses the text of closed incidents (`Derived.sla_json`)."""

    derived: Derived
    config: SlaConfig

    @property
    def public(self) -> Disclosure:
        return self.config.public

    def incident(self, state: IncidentState) -> str:
        """Its `sla` object: the default plan's, null where only another plan covers it."""
        made = self.derived.sla_json.get(state.id)
        if made:
            return made
        annotation = self.derived.annotations.get(state.id)
        return "null" if annotation is None else sla_json_text(annotation, self.public)

    def by_plan(self, state: IncidentState) -> str:
        """Its `sla_by_plan` object."""
        plans = self.derived.plan_annotations.get(state.id, {})
        return dump(by_plan_json(plans, self.config)).decode("utf-8").rstrip("\n")

    def maintenance(self, state: IncidentState) -> str:
        check = maintenance_json(self.derived.maintenance[state.id], self.public)
        return dump(check).decode("utf-8").rstrip("\n")


def outputs(inputs: Inputs) -> Iterator[Output]:
    """The index and a file for each month with an item in it; nothing when the site publishes
    no service levels."""
    site, derived = inputs.site, inputs.derived
    if site.sla.public is Disclosure.NONE:
        return
    texts = SlaTexts(derived, site.sla)
    periods = by_month(derived, site.info.timezone)
    for period in periods:
        yield Output(
            period.path, partial(period_file, texts, period), Shows(incidents=period.items)
        )
    recent_incidents = recent([s for p in periods for s in p.incidents])
    recent_maintenance = recent([s for p in periods for s in p.maintenance])
    listed = tuple(state for period in periods for state in period.items)
    yield Output(
        INDEX,
        partial(index_file, texts, recent_incidents, recent_maintenance, periods, site.info.url),
        # The months' counts and times draw on every item of them.
        Shows(incidents=listed),
    )


def by_month(derived: Derived, tz: ZoneInfo) -> tuple[Period, ...]:
    """The months with an annotated incident or a checked maintenance, newest first."""
    months: dict[tuple[int, int], tuple[list[IncidentState], list[IncidentState]]] = {}
    for state in derived.snapshot.incidents:  # newest first
        annotated = derived.annotated(state.id)
        if not annotated and state.id not in derived.maintenance:
            continue
        local = state.started.astimezone(tz)
        incidents, maintenance = months.setdefault((local.year, local.month), ([], []))
        (incidents if annotated else maintenance).append(state)
    return tuple(
        Period(f"{year:04d}-{month:02d}", tuple(incidents), tuple(maintenance))
        for (year, month), (incidents, maintenance) in sorted(months.items(), reverse=True)
    )


def recent(states: Sequence[IncidentState]) -> tuple[IncidentState, ...]:
    """The newest, as many as the API's lists hold, and any older one still open: every clock
    that still runs is in the index."""
    return (*states[:RECENT_LIMIT], *(s for s in states[RECENT_LIMIT:] if s.is_open))


def period_file(texts: SlaTexts, period: Period) -> bytes:
    return _document(texts, period.incidents, period.maintenance, "")


def index_file(
    texts: SlaTexts,
    incidents: Sequence[IncidentState],
    maintenance: Sequence[IncidentState],
    periods: Sequence[Period],
    root: str,
) -> bytes:
    listing = [
        {
            "period": period.name,
            "url": f"{root}{period.path}",
            "incidents": len(period.incidents),
            "maintenance": len(period.maintenance),
            "updated_at": _newest_update(period.items),
        }
        for period in periods
    ]
    return _document(texts, incidents, maintenance, ',"periods":' + dump(listing).decode().rstrip())


def _document(
    texts: SlaTexts,
    incidents: Iterable[IncidentState],
    maintenance: Iterable[IncidentState],
    rest: str,
) -> bytes:
    """`{"incidents": {id: object}, "maintenance": {id: object}` and `rest`, ids in order; a
    site with plans has `"sla_by_plan": {id: {plan: object}}` after the incidents."""
    incidents = tuple(incidents)
    entries = _members((s.id, texts.incident(s)) for s in incidents)
    if texts.config.declared_plans:
        plans = _members((s.id, texts.by_plan(s)) for s in incidents)
        entries += f'}},"sla_by_plan":{{{plans}'
    checks = _members((s.id, texts.maintenance(s)) for s in maintenance)
    return f'{{"incidents":{{{entries}}},"maintenance":{{{checks}}}{rest}}}\n'.encode()


def _members(entries: Iterable[tuple[str, str]]) -> str:
    return ",".join(
        f"{json.dumps(key, ensure_ascii=False)}:{text}" for key, text in sorted(entries)
    )


def _newest_update(states: Iterable[IncidentState]) -> str | None:
    """When the newest update of any of them was posted (or made on schedule), in UTC."""
    newest = max((state.updates[0].at for state in states if state.updates), default=None)
    return _utc(newest) if newest else None


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
