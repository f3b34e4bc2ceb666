"""Every documented content error: its file, its line and its message."""

from __future__ import annotations

from pathlib import Path

import pytest

from statusgen.errors import BuildFailed
from statusgen.load import load_site
from tests.conftest import COMPONENTS, TZ, MakeProject, incident

GOOD_BODY = "## Investigating 2026-11-20 14:10\nLooking into it.\n"


def errors_of(project: Path) -> list[str]:
    with pytest.raises(BuildFailed) as failed:
        load_site(project)
    return [str(e) for e in failed.value.errors]


def one_file(
    make_project: MakeProject, text: str | bytes, name: str = "incidents/x.md"
) -> list[str]:
    return errors_of(make_project({name: text}))


def test_a_valid_incident_loads_with_its_updates(make_project: MakeProject) -> None:
    project = make_project(
        {
            "incidents/api-down.md": incident(
                """
                title: API down
                impact: major
                components:
                  api: partial_outage
                  web:
                started: 2026-11-20 14:02
                """,
                """
                Summary text.

                ## Identified 2026-11-20T14:35-03:00
                ETA: 2026-11-20 18:00
                Found it.

                ```
                ## Not a heading inside a code block
                ```

                ## investigating 2026-11-20 14:10
                Looking.
                """,
            )
        }
    )
    site = load_site(project)
    (loaded,) = site.incidents
    assert loaded.id == "api-down"
    assert loaded.summary == "Summary text."
    assert [u.status.value for u in loaded.updates] == ["identified", "investigating"]
    eta = loaded.updates[0].eta
    assert eta is not None and eta.astimezone(TZ).hour == 18  # read in the site's zone
    assert "## Not a heading" in loaded.updates[0].body
    assert [(cid, s.value) for cid, s in loaded.components] == [
        ("api", "partial_outage"),
        ("web", "partial_outage"),  # no status given: implied by the impact
    ]


@pytest.mark.parametrize(
    ("front", "body", "expected"),
    [
        ("impact: major", GOOD_BODY, "incidents/x.md:2: missing 'title'"),
        (
            "title: T\nimpact: huge",
            GOOD_BODY,
            "incidents/x.md:3: unknown impact 'huge' (allowed: none, minor, major, critical)",
        ),
        ("title: T", GOOD_BODY, "incidents/x.md:2: missing 'impact'"),
        (
            "title: T\nimpact: major\ncompnents: [api]",
            GOOD_BODY,
            "incidents/x.md:4: unknown front-matter key 'compnents' (did you mean 'components'?)",
        ),
        (
            "title: T\nimpact: major\ncomponents: [ap]",
            GOOD_BODY,
            "incidents/x.md:4: unknown component 'ap' (did you mean 'api'?)",
        ),
        (
            "title: T\nimpact: major\ncomponents: [search]",
            GOOD_BODY,
            "incidents/x.md:4: unknown component 'search' (allowed: api, db, web)",
        ),
        (
            "title: T\nimpact: major\ncomponents:\n  api: down",
            GOOD_BODY,
            "incidents/x.md:5: unknown status 'down' for component 'api' "
            "(allowed: degraded_performance, partial_outage, major_outage)",
        ),
        (
            "title: T\nimpact: major\nstarted: yesterday",
            GOOD_BODY,
            "incidents/x.md:4: started: malformed timestamp 'yesterday' "
            "(expected YYYY-MM-DD HH:MM[:SS] or ISO 8601 like 2026-11-20T14:02:00Z)",
        ),
        (
            "title: T\nimpact: major\nstarted: 2026-11-20 15:00",
            GOOD_BODY,
            "incidents/x.md:6: update at 2026-11-20 14:10 is before 'started' (2026-11-20 15:00)",
        ),
        (
            "title: T\nimpact: major",
            "## Fixed 2026-11-20 14:10\nDone.\n",
            "incidents/x.md:5: unknown status 'Fixed' (incident statuses: "
            "investigating, identified, monitoring, resolved, postmortem)",
        ),
        (
            "title: T\nimpact: major",
            "## Completed 2026-11-20 14:10\nDone.\n",
            "incidents/x.md:5: unknown status 'Completed' is not an incident status (incident statuses: "
            "investigating, identified, monitoring, resolved, postmortem)",
        ),
        (
            "title: T\nimpact: major",
            "## Update at noon\nDone.\n",
            "incidents/x.md:5: update heading '## Update at noon' does not parse (expected "
            "'## <Status> YYYY-MM-DD HH:MM'; statuses: investigating, identified, monitoring, "
            "resolved, postmortem)",
        ),
        (
            "title: T\nimpact: major",
            "## Resolved 2026-13-40 14:10\nDone.\n",
            "incidents/x.md:5: update heading: malformed timestamp '2026-13-40 14:10' "
            "(expected YYYY-MM-DD HH:MM[:SS] or ISO 8601 like 2026-11-20T14:02:00Z)",
        ),
        (
            "title: T\nimpact: major",
            "Nothing happened yet.\n",
            "incidents/x.md:5: no updates: add a heading such as "
            "'## Investigating 2026-11-20 14:10' after the front matter",
        ),
        (
            "title: T\nimpact: major",
            "## Monitoring 2026-11-20 14:10\n\nETA: soon\n",
            "incidents/x.md:7: ETA line: malformed timestamp 'soon' "
            "(expected YYYY-MM-DD HH:MM[:SS] or ISO 8601 like 2026-11-20T14:02:00Z)",
        ),
        (
            "title: T\nimpact: major\nscheduled_start: 2026-11-20 14:00",
            GOOD_BODY,
            "incidents/x.md:4: 'scheduled_start' is for maintenance (add 'type: maintenance')",
        ),
        (
            "type: outage\ntitle: T\nimpact: major",
            GOOD_BODY,
            "incidents/x.md:2: unknown type 'outage' (allowed: incident, maintenance)",
        ),
        (
            "- just\n- a list",
            GOOD_BODY,
            "incidents/x.md:2: front matter must be a mapping of keys such as title, impact, components",
        ),
    ],
)
def test_incident_errors(make_project: MakeProject, front: str, body: str, expected: str) -> None:
    assert one_file(make_project, f"---\n{front}\n---\n{body}") == [expected]


@pytest.mark.parametrize(
    ("name", "text", "prefix"),
    [
        (
            "incidents/x.md",
            "---\nimpact: major\ntitle: Down: again\n---\n" + GOOD_BODY,
            "incidents/x.md:3:",
        ),
        (
            "components.yaml",
            COMPONENTS.replace("Example Status", "Example: Status"),
            "components.yaml:2:",
        ),
    ],
)
def test_unparseable_yaml_names_the_line(
    make_project: MakeProject, name: str, text: str, prefix: str
) -> None:
    # The wording comes from PyYAML (and differs with libyaml); the place is ours.
    (error,) = errors_of(make_project({name: text}))
    assert error.startswith(f"{prefix} invalid YAML: ")


def test_maintenance_errors(make_project: MakeProject) -> None:
    text = incident(
        """
        type: maintenance
        title: Upgrade
        components:
          api: partial_outage
        scheduled_start: 2026-11-20 14:00
        scheduled_end: 2026-11-20 13:00
        """,
        "## Investigating 2026-11-20 12:00\nWrong status for maintenance.\n",
    )
    assert one_file(make_project, text) == [
        "incidents/x.md:5: maintenance 'components' must be a list of component ids",
        "incidents/x.md:7: scheduled_end must be after scheduled_start",
        "incidents/x.md:9: unknown status 'Investigating' is not a maintenance status "
        "(maintenance statuses: scheduled, in_progress, verifying, completed, cancelled)",
    ]


def test_maintenance_needs_its_window(make_project: MakeProject) -> None:
    text = incident("type: maintenance\ntitle: Upgrade\ncomponents: [db]", "")
    assert one_file(make_project, text) == [
        "incidents/x.md:2: missing 'scheduled_end'",
        "incidents/x.md:2: missing 'scheduled_start'",
    ]


def test_file_level_errors(make_project: MakeProject) -> None:
    good = incident("title: T\nimpact: minor", GOOD_BODY)
    project = make_project(
        {
            "incidents/no-front.md": "# Just markdown\n",
            "incidents/unclosed.md": "---\ntitle: T\n",
            "incidents/empty-front.md": "---\n---\n" + GOOD_BODY,
            "incidents/latin1.md": "---\ntitle: Caf\xe9\n".encode("latin-1"),
            "incidents/Bad Name.md": good,
            "incidents/2025/dup.md": good,
            "incidents/2026/dup.md": good,
        }
    )
    assert errors_of(project) == [
        "incidents/2026/dup.md:1: duplicate id 'dup' (also incidents/2025/dup.md)",
        "incidents/Bad Name.md:1: file name 'Bad Name.md' is not a valid id (use a-z, 0-9 and '-', then .md)",
        "incidents/empty-front.md:2: front matter is empty (title, impact and components are expected)",
        "incidents/latin1.md:2: file is not UTF-8 (byte 0xe9); save it as UTF-8",
        "incidents/no-front.md:1: missing front matter: the file must start with a '---' line, "
        "then YAML, then '---'",
        "incidents/unclosed.md:1: front matter is not closed: add a '---' line after it",
    ]


def test_every_error_of_every_file_is_reported_together(make_project: MakeProject) -> None:
    project = make_project(
        {
            "incidents/a.md": incident("title: A\nimpact: bad\ncomponents: [nope]", "## Oops\n"),
            "incidents/b.md": incident("impact: minor", GOOD_BODY),
        },
        components=COMPONENTS.replace("America/Sao_Paulo", "Mars/Olympus"),
    )
    assert errors_of(project) == [
        "components.yaml:4: unknown time zone 'Mars/Olympus' (an IANA name such as "
        "'Europe/Lisbon', 'America/Sao_Paulo' or 'UTC')",
        "incidents/a.md:3: unknown impact 'bad' (allowed: none, minor, major, critical)",
        "incidents/a.md:4: unknown component 'nope' (allowed: api, db, web)",
        "incidents/a.md:6: update heading '## Oops' does not parse (expected '## <Status> "
        "YYYY-MM-DD HH:MM'; statuses: investigating, identified, monitoring, resolved, postmortem)",
        "incidents/b.md:2: missing 'title'",
    ]


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("", ["components.yaml:1: expected a mapping with 'site' and 'groups'"]),
        (
            COMPONENTS.replace("  title: Example Status\n", ""),
            ["components.yaml:2: site: missing 'title'"],
        ),
        (
            COMPONENTS.replace("https://example.github.io/status/", "example.com"),
            ["components.yaml:3: site url 'example.com' must be absolute (https://host/path/)"],
        ),
        (
            COMPONENTS + "themes: dark\n",
            [
                "components.yaml:17: unknown top-level key 'themes' (allowed: attributes, calendars, groups, notifications, plans, policies, priorities, site, sla, uptime)"
            ],
        ),
        (
            COMPONENTS.replace("id: db", "id: api"),
            ["components.yaml:15: duplicate component id 'api' (first at line 8)"],
        ),
        (
            COMPONENTS.replace("id: db", "id: Data_Base"),
            ["components.yaml:15: component id 'Data_Base' may use only a-z, 0-9 and '-'"],
        ),
        (
            COMPONENTS.replace(
                "        name: Database\n", "        name: Database\n        teir: gold\n"
            ),
            ["components.yaml:17: unknown component key 'teir' (did you mean 'tier'?)"],
        ),
    ],
)
def test_configuration_errors(make_project: MakeProject, config: str, expected: list[str]) -> None:
    assert errors_of(make_project(components=config)) == expected


def test_missing_configuration(tmp_path: Path) -> None:
    assert errors_of(tmp_path) == [
        "components.yaml:1: file not found (not a status page yet? 'statusgen init' starts one "
        "here; -C names the folder of another)",
        "incidents/: folder not found (create it: an empty folder is fine)",
    ]
