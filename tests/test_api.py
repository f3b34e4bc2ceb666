"""The Statuspage-compatible JSON API: shapes checked with JSON Schema, content checked by hand."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.conftest import COMPONENTS, REPO, TZ, BuiltSite, MakeProject, incident

Build = Callable[..., BuiltSite]
SCHEMA = json.loads((Path(__file__).parent / "schemas" / "statuspage_v2.json").read_text())
# Each endpoint and the definition of the schema it must match.
ENDPOINTS = {
    "summary.json": "summary.json",
    "status.json": "status.json",
    "components.json": "components.json",
    "incidents.json": "incidents.json",
    "incidents/unresolved.json": "incidents.json",
    "scheduled-maintenances.json": "scheduled-maintenances.json",
    "scheduled-maintenances/upcoming.json": "scheduled-maintenances.json",
    "scheduled-maintenances/active.json": "scheduled-maintenances.json",
}


def validate(data: Any, definition: str) -> None:
    jsonschema.validate(data, {**SCHEMA, "$ref": f"#/$defs/{definition}"})


NOW = datetime(2026, 11, 22, 12, 0, tzinfo=TZ)

CONTENT = {
    "incidents/resolved.md": incident(
        "title: Slow API\nimpact: minor\ncomponents:\n  api: degraded_performance\nstarted: 2026-11-10 10:00",
        """\
        ## Resolved 2026-11-10 11:00
        Fixed.

        ## Monitoring 2026-11-10 10:40
        Watching.

        ## Investigating 2026-11-10 10:05
        Looking.
        """,
    ),
    "incidents/open.md": incident(
        "title: Database down\nimpact: critical\ncomponents:\n  db: major_outage\n  api: partial_outage\nstarted: 2026-11-22 09:00",
        "## Identified 2026-11-22 09:30\nA disk.\n\n## Investigating 2026-11-22 09:05\nLooking.\n",
    ),
    "incidents/upcoming.md": incident(
        "type: maintenance\ntitle: Upgrade\ncomponents: [web]\nscheduled_start: 2026-11-28 01:00\nscheduled_end: 2026-11-28 03:00",
        "## Scheduled 2026-11-20 10:00\nPlanned.\n",
    ),
    "incidents/active.md": incident(
        "type: maintenance\ntitle: Network work\ncomponents: [db]\nscheduled_start: 2026-11-22 11:00\nscheduled_end: 2026-11-22 13:00",
        "## Scheduled 2026-11-15 10:00\nPlanned.\n",
    ),
    "incidents/done.md": incident(
        "type: maintenance\ntitle: Old work\ncomponents: [web]\nscheduled_start: 2026-11-01 01:00\nscheduled_end: 2026-11-01 02:00",
        "## Scheduled 2026-10-25 10:00\nPlanned.\n",
    ),
}


def api(site: BuiltSite, endpoint: str) -> Any:
    return json.loads((site.out / "api/v2" / endpoint).read_text(encoding="utf-8"))


def test_every_endpoint_matches_the_statuspage_schema(
    make_project: MakeProject, build_site: Build
) -> None:
    site = build_site(make_project(CONTENT), now=NOW)
    for endpoint, definition in ENDPOINTS.items():
        validate(api(site, endpoint), definition)


def test_the_example_site_matches_the_schema(tmp_path: Path, build_site: Build) -> None:
    project = tmp_path / "example"
    shutil.copytree(REPO / "incidents", project / "incidents")
    shutil.copy(REPO / "components.yaml", project / "components.yaml")
    site = build_site(project, now=NOW)
    for endpoint, definition in ENDPOINTS.items():
        validate(api(site, endpoint), definition)


def test_a_broken_payload_fails_the_schema(make_project: MakeProject, build_site: Build) -> None:
    # The schema must be able to fail: a leaf with a `components` key, a group without one.
    data = api(build_site(make_project(CONTENT), now=NOW), "components.json")
    leaf = next(c for c in data["components"] if not c["group"])
    with pytest.raises(jsonschema.ValidationError):
        validate({**data, "components": [{**leaf, "components": []}]}, "components.json")
    group = next(c for c in data["components"] if c["group"])
    del group["components"]
    with pytest.raises(jsonschema.ValidationError):
        validate({**data, "components": [group]}, "components.json")


def test_groups_and_components_in_one_flat_list(
    make_project: MakeProject, build_site: Build
) -> None:
    site = build_site(make_project(CONTENT), now=NOW)
    components = api(site, "components.json")["components"]
    summary = api(site, "summary.json")["components"]
    assert components == summary
    by_id = {c["id"]: c for c in components}
    assert [(c["id"], c["group"], c["position"]) for c in components] == [
        ("group-platform", True, 1),
        ("api", False, 1),
        ("web", False, 2),
        ("group-data", True, 2),
        ("db", False, 1),
    ]
    assert by_id["group-platform"]["components"] == ["api", "web"]
    assert by_id["group-platform"]["group_id"] is None
    assert by_id["api"]["group_id"] == "group-platform" and "components" not in by_id["api"]
    assert by_id["db"]["status"] == "major_outage"
    assert by_id["api"]["status"] == "partial_outage"
    assert by_id["web"]["status"] == "operational"
    assert by_id["group-platform"]["status"] == "partial_outage"  # worst of its members


def test_status_indicator_and_description(
    make_project: MakeProject, build_site: Build, tmp_path: Path
) -> None:
    site = build_site(make_project(CONTENT), now=NOW)
    assert api(site, "status.json")["status"] == {
        "indicator": "critical",
        "description": "Major System Outage",
    }
    calm = build_site(
        make_project(CONTENT), now=datetime(2026, 11, 15, 12, 0, tzinfo=TZ), out=tmp_path / "calm"
    )
    assert api(calm, "status.json")["status"] == {
        "indicator": "none",
        "description": "All Systems Operational",
    }
    page = api(site, "status.json")["page"]
    assert page["url"] == "https://example.github.io/status"
    assert page["time_zone"] == "America/Sao_Paulo"
    assert page["updated_at"] == "2026-11-22T11:00:00.000-03:00"  # the maintenance started


def test_summary_holds_exactly_what_is_unresolved_active_and_upcoming(
    make_project: MakeProject, build_site: Build
) -> None:
    site = build_site(make_project(CONTENT), now=NOW)
    summary = api(site, "summary.json")
    assert [i["id"] for i in summary["incidents"]] == ["open"]
    assert [m["id"] for m in summary["scheduled_maintenances"]] == ["active", "upcoming"]
    assert [i["id"] for i in api(site, "incidents/unresolved.json")["incidents"]] == ["open"]
    assert [i["id"] for i in api(site, "incidents.json")["incidents"]] == ["open", "resolved"]
    upcoming = api(site, "scheduled-maintenances/upcoming.json")["scheduled_maintenances"]
    active = api(site, "scheduled-maintenances/active.json")["scheduled_maintenances"]
    assert [m["id"] for m in upcoming] == ["upcoming"]
    assert [(m["id"], m["status"]) for m in active] == [("active", "in_progress")]
    every = api(site, "scheduled-maintenances.json")["scheduled_maintenances"]
    assert [m["id"] for m in every] == ["upcoming", "active", "done"]
    assert every[0]["scheduled_for"] == "2026-11-28T01:00:00.000-03:00"
    assert every[0]["scheduled_until"] == "2026-11-28T03:00:00.000-03:00"


def test_an_incident_and_its_updates(make_project: MakeProject, build_site: Build) -> None:
    site = build_site(make_project(CONTENT), now=NOW)
    resolved = api(site, "incidents.json")["incidents"][1]
    assert resolved["name"] == "Slow API"
    assert resolved["status"] == "resolved"
    assert resolved["impact"] == "minor"
    assert resolved["started_at"] == "2026-11-10T10:00:00.000-03:00"
    assert resolved["created_at"] == "2026-11-10T10:05:00.000-03:00"
    assert resolved["updated_at"] == "2026-11-10T11:00:00.000-03:00"
    assert resolved["monitoring_at"] == "2026-11-10T10:40:00.000-03:00"
    assert resolved["resolved_at"] == "2026-11-10T11:00:00.000-03:00"
    assert resolved["shortlink"] == "https://example.github.io/status/incidents/resolved.html"
    updates = resolved["incident_updates"]
    assert [u["status"] for u in updates] == ["resolved", "monitoring", "investigating"]
    assert [u["body"] for u in updates] == ["Fixed.", "Watching.", "Looking."]
    assert [
        (a["code"], a["old_status"], a["new_status"])
        for u in reversed(updates)
        for a in u["affected_components"]
    ] == [
        ("api", "operational", "degraded_performance"),
        ("api", "degraded_performance", "degraded_performance"),
        ("api", "degraded_performance", "operational"),
    ]
    assert updates[0]["affected_components"][0]["name"] == "Public API"
    assert [c["id"] for c in resolved["components"]] == ["api"]


def test_maintenance_transitions_made_on_schedule(
    make_project: MakeProject, build_site: Build
) -> None:
    site = build_site(make_project(CONTENT), now=NOW)
    done = api(site, "scheduled-maintenances.json")["scheduled_maintenances"][2]
    assert done["status"] == "completed" and done["impact"] == "maintenance"
    assert [(u["status"], u["body"]) for u in done["incident_updates"]] == [
        ("completed", "The scheduled maintenance has been completed."),
        (
            "in_progress",
            "Scheduled maintenance is currently in progress. We will provide updates as necessary.",
        ),
        ("scheduled", "Planned."),
    ]
    assert [
        (a["old_status"], a["new_status"])
        for u in reversed(done["incident_updates"])
        for a in u["affected_components"]
    ] == [
        ("operational", "operational"),
        ("operational", "under_maintenance"),
        ("under_maintenance", "operational"),
    ]


def test_at_most_fifty_recent_incidents(make_project: MakeProject, build_site: Build) -> None:
    files = {}
    start = datetime(2026, 9, 1, 10, 0, tzinfo=TZ)
    for n in range(60):
        at = (start + timedelta(days=n)).strftime("%Y-%m-%d %H:%M")
        files[f"incidents/i{n:02d}.md"] = incident(
            f"title: Incident {n}\nimpact: minor\ncomponents: [api]", f"## Resolved {at}\nDone.\n"
        )
    site = build_site(make_project(files), now=NOW)
    listed = [i["id"] for i in api(site, "incidents.json")["incidents"]]
    assert listed == [f"i{n:02d}" for n in range(59, 9, -1)]


def test_the_sla_object_rides_along(make_project: MakeProject, build_site: Build) -> None:
    from tests.conftest import COMPONENTS
    from tests.test_sla import SEED_003

    site = build_site(make_project(CONTENT, components=COMPONENTS + SEED_003), now=NOW)
    open_incident = api(site, "incidents/unresolved.json")["incidents"][0]
    assert open_incident["sla"]["priority"] == "P1"
    assert open_incident["sla"]["first_response"]["state"] == "met"
    assert open_incident["sla"]["resolution"]["state"] == "running"
    sla_index = json.loads((site.out / "api/sla.json").read_text())
    assert sla_index["incidents"]["open"] == open_incident["sla"]
    maintenance = api(site, "scheduled-maintenances.json")["scheduled_maintenances"][0]
    assert maintenance["maintenance_policy"] is None  # no maintenance rule configured
    assert maintenance["cancelled"] is False


def test_ids_stay_stable_as_time_passes_and_content_grows(
    make_project: MakeProject, build_site: Build, tmp_path: Path
) -> None:
    def ids(site: BuiltSite) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for endpoint in ("incidents.json", "scheduled-maintenances.json"):
            key = "incidents" if endpoint == "incidents.json" else "scheduled_maintenances"
            for item in api(site, endpoint)[key]:
                found[item["id"]] = {u["id"] for u in item["incident_updates"]}
        return found

    project = make_project(CONTENT)
    before = ids(build_site(project, now=NOW, out=tmp_path / "a"))
    (project / "incidents/later.md").write_text(
        incident(
            "title: Later\nimpact: minor\ncomponents: [web]", "## Resolved 2026-11-23 10:00\nOk.\n"
        )
    )
    after = ids(build_site(project, now=NOW + timedelta(days=3), out=tmp_path / "b"))
    for incident_id, update_ids in before.items():
        assert update_ids <= after[incident_id], incident_id  # nothing renamed, only added
    assert "later" in after


UNSAFE_BODY = """\
Restarted the <b>primary</b> database &amp; its replica &copy; 2026.
<script>alert("body")</script>

<img src="x" onerror="alert('img')"> Details on [the status page](https://example.com/s?a=1&b=2).

- reads
- writes
"""


def strings(data: Any) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from strings(value)


def test_text_fields_are_plain_text(make_project: MakeProject, build_site: Build) -> None:
    files = {
        **CONTENT,
        "incidents/open.md": incident(
            "title: Database <i>down</i>\nimpact: critical\ncomponents:\n  db: major_outage",
            f"## Identified 2026-11-22 09:30\n{UNSAFE_BODY}\n"
            "## Investigating 2026-11-22 09:05\nLooking.\n",
        ),
    }
    components = (
        COMPONENTS.replace("name: Database", "name: Data<script>x()</script>base")
        .replace("name: Platform", "name: Plat<<i>img src=x onerror=alert(2)>form")
        .replace("name: Web app", "name: Web <img src=x onerror=alert(3) app")
    )
    site = build_site(make_project(files, components=components), now=NOW)
    summary = api(site, "summary.json")
    (opened,) = summary["incidents"]
    assert opened["name"] == "Database down"
    assert opened["incident_updates"][0]["body"] == (
        "Restarted the primary database & its replica © 2026.\n\n"
        "Details on the status page (https://example.com/s?a=1&b=2).\n\n"
        "- reads\n- writes"
    )
    assert opened["incident_updates"][1]["body"] == "Looking."
    assert opened["components"][0]["name"] == "Datax()base"
    assert opened["incident_updates"][0]["affected_components"][0]["name"] == "Datax()base"
    # A tag hidden inside another, or left open, is no tag in the API either.
    names = {c["name"] for c in summary["components"]}
    assert {"Platform", "Web img src=x onerror=alert(3) app"} <= names
    for endpoint, definition in ENDPOINTS.items():
        data = api(site, endpoint)
        validate(data, definition)
        tagged = [s for s in strings(data) if re.search(r"<[A-Za-z/!?]", s)]
        assert not tagged, (endpoint, tagged)


def test_updates_in_one_minute_get_distinct_ids_in_file_order(
    make_project: MakeProject, build_site: Build
) -> None:
    # Written newest first: the later of the two monitoring updates is on top.
    files = {
        **CONTENT,
        "incidents/open.md": incident(
            "title: Database down\nimpact: critical\ncomponents: [db]",
            "## Monitoring 2026-11-22 09:30\nSecond.\n\n## Monitoring 2026-11-22 09:30\nFirst.\n\n"
            "## Investigating 2026-11-22 09:05\nLooking.\n",
        ),
        # Written oldest first: the later one is below.
        "incidents/resolved.md": incident(
            "title: Slow API\nimpact: minor\ncomponents: [api]",
            "## Investigating 2026-11-10 10:05\nLooking.\n\n## Resolved 2026-11-10 11:00\nOne.\n\n"
            "## Resolved 2026-11-10 11:00\nTwo.\n",
        ),
    }
    site = build_site(make_project(files), now=NOW)
    incidents = {i["id"]: i for i in api(site, "incidents.json")["incidents"]}
    opened = [(u["id"], u["body"]) for u in incidents["open"]["incident_updates"]]
    assert opened == [
        ("open-20261122T123000Z-monitoring-2", "Second."),
        ("open-20261122T123000Z-monitoring", "First."),
        ("open-20261122T120500Z-investigating", "Looking."),
    ]
    resolved = [(u["id"], u["body"]) for u in incidents["resolved"]["incident_updates"]]
    assert resolved == [
        ("resolved-20261110T140000Z-resolved", "One."),
        ("resolved-20261110T140000Z-resolved-2", "Two."),
        ("resolved-20261110T130500Z-investigating", "Looking."),
    ]
