"""No silent gaps: `statusgen check` and `build` warn of every incident without a service level
and of every part of the SLA configuration that leaves one undefined; `check --strict` fails."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from statusgen.cli import main
from tests.conftest import REPO, MakeProject, incident

SITE = """\
site:
  title: Example Status
  url: https://example.github.io/status/
  timezone: America/Sao_Paulo
"""

GAPPY = (
    SITE
    + """\
groups:
  - name: Platform
    components:
      - {id: api, name: API, tier: core}
      - {id: web, name: Web, tier: cor}
priorities:
  matrix:
    high:   {critical: P1, major: P1, minor: P2, none: P3}
    medium: {critical: P1, major: P2, minor: P3, none: P4}
    low:    {critical: P2, major: P3, minor: P4, none: P4}
policies:
  core:
    P1: {first_response: 1h, resolution: 4h}
    P2: {first_response: 1h, resolution: 8h}
    P3: {first_response: 2h}
    maintenance: {notice: 48h}
  legacy:
    P1: {first_response: 1h, resolution: 4h}
"""
)


def opened(name: str, front: str) -> tuple[str, str]:
    return f"incidents/{name}.md", incident(
        f"title: {name}\n{front}\nstarted: 2026-11-20 10:00",
        "## Investigating 2026-11-20 10:05\nLooking.\n",
    )


GAPPY_INCIDENTS = dict(
    [
        opened("no-urgency", "impact: minor\ncomponents: [api]"),
        opened("typo-tier", "impact: minor\nurgency: low\ncomponents: [web]"),
        opened("no-p4", "impact: minor\npriority: P4\ncomponents: [api]"),
        opened("fine", "impact: major\nurgency: high\ncomponents: [api]"),
    ]
)


def line_of(text: str, start: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.lstrip().startswith(start))


def expected_warnings() -> list[tuple[str, int, str]]:
    """What `check` says of GAPPY and its incidents, in order: the configuration by line, then
    the incidents by file."""
    at = lambda start: line_of(GAPPY, start)  # noqa: E731
    files = GAPPY_INCIDENTS
    return [
        (
            "components.yaml",
            at("- {id: web"),
            "tier 'cor' of component 'web' has no policies, and there are no 'default' policies "
            "to fall back on, so its incidents get no SLA (did you mean 'core'?)",
        ),
        (
            "components.yaml",
            at("matrix:"),
            "an incident of impact none on 'api' gets no priority (no 'urgency' for the matrix; "
            "'priorities' has no 'default'), so no SLA unless it sets its own 'priority:'",
        ),
        (
            "components.yaml",
            at("P1: {first_response: 1h, resolution: 4h}"),
            "tier 'core' has no policy for priority P4 (policies of core: P1, P2, P3), which the "
            "priorities give an incident of impact none, urgency low on 'api': such incidents "
            "get no SLA",
        ),
        (
            "components.yaml",
            at("P3:"),
            "policy 'core P3' sets no resolution target, so its incidents get a first-response "
            "deadline only (write 'resolution: none' if that is meant)",
        ),
        (
            "components.yaml",
            at("legacy:") + 1,
            "tier 'legacy' has policies, but no component is of that tier (tiers of "
            "components: cor, core)",
        ),
        (
            "incidents/no-p4.md",
            line_of(files["incidents/no-p4.md"], "priority:"),
            "no SLA: priority P4 has no policy for tier 'core' (policies of core: P1, P2, P3)",
        ),
        (
            "incidents/no-urgency.md",
            line_of(files["incidents/no-urgency.md"], "impact:"),
            "no SLA: no priority (no 'urgency' for the matrix; 'priorities' has no 'default')",
        ),
        (
            "incidents/typo-tier.md",
            line_of(files["incidents/typo-tier.md"], "components:"),
            "no SLA: tier 'cor' has no policies (did you mean 'core'?)",
        ),
    ]


def run(project: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["-C", str(project), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_check_warns_of_every_gap_in_text(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(GAPPY_INCIDENTS, components=GAPPY)
    code, out, err = run(project, capsys, "check", "-q")
    assert code == 0 and out == ""
    assert err.splitlines() == [
        f"{path}:{line}: warning: {message}" for path, line, message in expected_warnings()
    ]


def test_check_warns_of_every_gap_as_github_annotations(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(GAPPY_INCIDENTS, components=GAPPY)
    code, out, _ = run(project, capsys, "check", "-q", "--format", "github")
    assert code == 0
    assert out.splitlines() == [
        f"::warning file={os.path.relpath(project / path)},line={line}::{message}"
        for path, line, message in expected_warnings()
    ]


def test_strict_makes_the_warnings_errors(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(GAPPY_INCIDENTS, components=GAPPY)
    code, out, err = run(project, capsys, "check", "--strict")
    assert code == 1
    lines = err.splitlines()
    assert lines[:-1] == [
        f"{path}:{line}: {message}" for path, line, message in expected_warnings()
    ]
    assert lines[-1] == "statusgen: 8 warnings, errors under --strict"
    assert "ok:" not in out
    code, out, _ = run(project, capsys, "check", "--strict", "--format", "github")
    assert code == 1
    annotations = [line for line in out.splitlines() if line.startswith("::")]
    assert len(annotations) == 8
    assert all(line.startswith("::error file=") for line in annotations)


def test_build_prints_the_same_warnings_and_builds(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    project = make_project(GAPPY_INCIDENTS, components=GAPPY)
    out = tmp_path / "site"
    code, _, err = run(
        project, capsys, "build", "-q", "--out", str(out), "--now", "2026-11-22 12:00"
    )
    assert code == 0 and (out / "index.html").is_file()
    assert err.splitlines() == [
        f"{path}:{line}: warning: {message}" for path, line, message in expected_warnings()
    ]


COVERED = (
    SITE
    + """\
groups:
  - name: Platform
    components:
      - {id: api, name: API, tier: core}
      - {id: web, name: Web, tier: self-hosted}
      - {id: db, name: Database}
priorities:
  default: {critical: P1, major: P2, minor: P3, none: P3}
policies:
  core:
    P1: {first_response: 1h, resolution: 4h}
  default:
    P1: {first_response: 2h, resolution: 8h}
    P2: {first_response: 4h, resolution: 2d}
    P3: {first_response: 8h, resolution: none}
    maintenance: {notice: 48h}
"""
)


def test_tiers_that_fall_back_on_the_default_tier_are_no_gap(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    files = dict(
        [
            opened("self-hosted", "impact: minor\ncomponents: [web]"),
            opened("nothing-touched", "impact: major\ncomponents: []"),
            opened("core-p3", "impact: none\ncomponents: [api, db]"),
        ]
    )
    maintenance = "---\ntype: maintenance\ntitle: M\ncomponents: [web]\n"
    maintenance += "scheduled_start: 2026-11-28 00:00\nscheduled_end: 2026-11-28 02:00\n---\n"
    files["incidents/upgrade.md"] = maintenance
    project = make_project(files, components=COVERED)
    code, out, err = run(project, capsys, "check", "-q", "--strict")
    assert (code, out, err) == (0, "", "")


def test_a_target_left_out_without_saying_so_is_a_gap(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    components = COVERED.replace("P3: {first_response: 8h, resolution: none}", "P3: {}")
    project = make_project(components=components)
    code, _, err = run(project, capsys, "check", "-q")
    assert code == 0
    assert err.splitlines() == [
        f"components.yaml:{line_of(components, 'P3: {}')}: warning: policy 'default P3' sets no "
        "first-response or resolution target, so its incidents get no deadline at all (write "
        "'first_response: none' and 'resolution: none' if that is meant)"
    ]


def test_a_site_that_publishes_no_service_levels_has_no_gaps(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(GAPPY_INCIDENTS, components=GAPPY + "sla: {public: none}\n")
    code, out, err = run(project, capsys, "check", "-q", "--strict")
    assert (code, out, err) == (0, "", "")


@pytest.mark.parametrize("project", [REPO, REPO / "examples" / "pt-BR"], ids=["root", "pt-BR"])
def test_the_examples_have_no_gaps(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(project, capsys, "check", "--strict", "-q")
    assert (code, err) == (0, "")


def warnings_of(
    project: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> list[tuple[str, int, str]]:
    """What `check` warns of, in the text or the GitHub format, as (path, line, message)."""
    code, out, err = run(project, capsys, "check", "-q", "--format", fmt)
    assert code == 0
    if fmt == "text":
        found = [line.split(": warning: ", 1) for line in err.splitlines()]
        return [(where.rsplit(":", 1)[0], int(where.rsplit(":", 1)[1]), m) for where, m in found]
    assert err == ""
    prefix = f"::warning file={os.path.relpath(project)}/"
    result = []
    for line in out.splitlines():
        assert line.startswith(prefix)
        where, message = line[len(prefix) :].split("::", 1)
        path, at_line = where.split(",line=")
        result.append((path, int(at_line), message))
    return result


PLANS = (
    SITE
    + """\
groups:
  - name: Platform
    components:
      - {id: api, name: API, tier: core}
priorities:
  default: {critical: P1, major: P2, minor: P3, none: P4}
policies:
  core:
    P1: {first_response: 1h, resolution: 4h}
    P2: {first_response: 2h, resolution: 8h}
    P3: {first_response: 4h, resolution: 2d}
    P4: {first_response: 8h, resolution: 5d}
plans:
  standard: {label: Standard}
  premium:
    policies:
      core:
        P1: {first_response: 15m, resolution: 2h}
        P2: {first_response: 1h, resolution: 4h}
        P3: {first_response: 2h, resolution: 8h}
  gold:
    policies:
      core:
        P1: {first_response: 10m, resolution: 1h}
        P2: {first_response: 30m, resolution: 2h}
        P3: {first_response: 1h, resolution: 4h}
  partner:
    public: false
    policies:
      core:
        P1: {first_response: 15m, resolution: 1h}
        P2: {first_response: 30m, resolution: 2h}
        P3: {first_response: 1h, resolution: 4h}
        P4: {first_response: 2h}
"""
)

PLAN_INCIDENTS = dict(
    [
        opened("cosmetic", "impact: none\ncomponents: [api]"),
        opened("nothing-touched", "impact: minor\ncomponents: []"),
        opened("outage", "impact: major\ncomponents: [api]"),
    ]
)


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_every_plan_is_checked_and_named_where_it_alone_has_the_gap(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    project = make_project(PLAN_INCIDENTS, components=PLANS)
    cosmetic = PLAN_INCIDENTS["incidents/cosmetic.md"]
    untouched = PLAN_INCIDENTS["incidents/nothing-touched.md"]
    assert warnings_of(project, capsys, fmt) == [
        (
            "components.yaml",
            line_of(PLANS, "P1: {first_response: 15m, resolution: 2h}"),
            "plan 'premium': tier 'core' has no policy for priority P4 (policies of core: P1, "
            "P2, P3), which the priorities give an incident of impact none on 'api': such "
            "incidents get no SLA",
        ),
        (
            "components.yaml",
            line_of(PLANS, "P1: {first_response: 10m"),
            "plan 'gold': tier 'core' has no policy for priority P4 (policies of core: P1, "
            "P2, P3), which the priorities give an incident of impact none on 'api': such "
            "incidents get no SLA",
        ),
        (
            "components.yaml",
            line_of(PLANS, "P4: {first_response: 2h}"),
            "plan 'partner': policy 'core P4' sets no resolution target, so its incidents get "
            "a first-response deadline only (write 'resolution: none' if that is meant)",
        ),
        (
            "incidents/cosmetic.md",
            line_of(cosmetic, "components:"),
            "plans 'premium' and 'gold': no SLA: priority P4 has no policy for tier 'core' "
            "(policies of core: P1, P2, P3)",
        ),
        (
            "incidents/cosmetic.md",
            line_of(cosmetic, "components:"),
            "plan 'partner': only part of an SLA: no resolution target (policy 'core P4' sets "
            "none, nor does the incident; write 'resolution: none' in the policy if that is "
            "meant, or give the incident its own with 'sla: {resolution: …}')",
        ),
        (
            "incidents/nothing-touched.md",
            line_of(untouched, "components:"),
            "no SLA: tier 'default' has no policies (tiers: core)",
        ),
    ]


def test_a_gap_of_every_plan_names_none(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    """The site's own policies, inherited by every plan: a gap in them is every plan's."""
    components = PLANS.split("    P4: {first_response: 8h")[0] + (
        "plans:\n  standard: {label: Standard}\n  premium: {label: Premium}\n"
    )
    files = dict([opened("cosmetic", "impact: none\ncomponents: [api]")])
    project = make_project(files, components=components)
    assert warnings_of(project, capsys, "text") == [
        (
            "components.yaml",
            line_of(components, "P1: {first_response: 1h"),
            "tier 'core' has no policy for priority P4 (policies of core: P1, P2, P3), which the "
            "priorities give an incident of impact none on 'api': such incidents get no SLA",
        ),
        (
            "incidents/cosmetic.md",
            line_of(files["incidents/cosmetic.md"], "components:"),
            "no SLA: priority P4 has no policy for tier 'core' (policies of core: P1, P2, P3)",
        ),
    ]


PER_TARGET = (
    SITE
    + """\
groups:
  - name: Platform
    components:
      - {id: api, name: API, tier: core}
      - {id: cdn, name: CDN, tier: edge}
      - {id: docs, name: Docs, tier: docs}
priorities:
  default: {critical: P1, major: P1, minor: P2, none: P2}
policies:
  core:
    P1: {first_response: 1h, resolution: 4h}
    P2: {first_response: 4h}
  edge:
    P1: {first_response: 1h, resolution: 4h}
    P2: {resolution: 3d}
  docs:
    P1: {first_response: 1h, resolution: 4h}
    P2: {first_response: 8h, resolution: none}
"""
)


def opened_with_update(name: str, front: str, first_lines: str) -> tuple[str, str]:
    return f"incidents/{name}.md", incident(
        f"title: {name}\n{front}\nstarted: 2026-11-20 10:00",
        f"## Investigating 2026-11-20 10:05\n{first_lines}\nLooking.\n",
    )


PER_TARGET_INCIDENTS = dict(
    [
        opened("core-alone", "impact: minor\ncomponents: [api]"),
        opened("edge-alone", "impact: minor\ncomponents: [cdn]"),
        opened("core-and-edge", "impact: minor\ncomponents: [api, cdn]"),
        opened("core-and-docs", "impact: minor\ncomponents: [api, docs]"),
        opened("core-own-target", "impact: minor\ncomponents: [api]\nsla: {resolution: 3bd}"),
        opened_with_update(
            "core-target-told", "impact: minor\ncomponents: [api]", "SLA resolution: 3bd"
        ),
    ]
)


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_part_of_an_sla_is_a_target_no_tier_sets_or_waives_and_the_incident_does_not_set(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str], tmp_path: Path, fmt: str
) -> None:
    project = make_project(PER_TARGET_INCIDENTS, components=PER_TARGET)
    files = PER_TARGET_INCIDENTS
    assert warnings_of(project, capsys, fmt) == [
        (
            "components.yaml",
            line_of(PER_TARGET, "P2: {first_response: 4h}"),
            "policy 'core P2' sets no resolution target, so its incidents get a first-response "
            "deadline only (write 'resolution: none' if that is meant)",
        ),
        (
            "components.yaml",
            line_of(PER_TARGET, "P2: {resolution: 3d}"),
            "policy 'edge P2' sets no first-response target, so its incidents get a resolution "
            "deadline only (write 'first_response: none' if that is meant)",
        ),
        (
            "incidents/core-alone.md",
            line_of(files["incidents/core-alone.md"], "components:"),
            "only part of an SLA: no resolution target (policy 'core P2' sets none, nor does "
            "the incident; write 'resolution: none' in the policy if that is meant, or give the "
            "incident its own with 'sla: {resolution: …}')",
        ),
        (
            "incidents/edge-alone.md",
            line_of(files["incidents/edge-alone.md"], "components:"),
            "only part of an SLA: no first-response target (policy 'edge P2' sets none, nor "
            "does the incident; write 'first_response: none' in the policy if that is meant, or "
            "give the incident its own with 'sla: {first_response: …}')",
        ),
    ]
    # What the warnings say is what the site shows: each target the strictest of the tiers'
    # (core's first response, edge's resolution), or the incident's own.
    out = tmp_path / "site"
    code, _, _ = run(project, capsys, "build", "-q", "--out", str(out), "--now", "2026-11-22 12:00")
    assert code == 0
    shown = json.loads((out / "api" / "v2" / "incidents.json").read_text())["incidents"]
    targets = {
        item["id"]: {kind for kind in ("first_response", "resolution") if item["sla"][kind]}
        for item in shown
    }
    assert targets == {
        "core-alone": {"first_response"},
        "edge-alone": {"resolution"},
        "core-and-edge": {"first_response", "resolution"},
        "core-and-docs": {"first_response"},
        "core-own-target": {"first_response", "resolution"},
        "core-target-told": {"first_response", "resolution"},
    }


def test_an_incident_s_own_target_does_not_make_up_for_no_policy(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    files = dict([opened("no-tier", "impact: minor\ncomponents: []\nsla: {resolution: 3bd}")])
    components = PER_TARGET.replace(
        "P2: {first_response: 4h}", "P2: {first_response: 4h, resolution: 1d}"
    )
    components = components.replace(
        "P2: {resolution: 3d}", "P2: {first_response: 2h, resolution: 3d}"
    )
    project = make_project(files, components=components)
    assert warnings_of(project, capsys, "text") == [
        (
            "incidents/no-tier.md",
            line_of(files["incidents/no-tier.md"], "components:"),
            "no SLA: tier 'default' has no policies (tiers: core, docs, edge); the targets it "
            "sets itself count only where a policy covers it",
        )
    ]


def test_many_incidents_with_the_same_partial_sla_are_one_warning_naming_how_many(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    components = (
        "site: {title: T, url: https://example.com/, timezone: UTC}\n"
        "groups:\n  - name: G\n    components:\n      - {id: api, name: API, tier: core}\n"
        "priorities:\n  default: {critical: P1, major: P1, minor: P1, none: P1}\n"
        "policies:\n  core:\n    P1: {first_response: 1h}\n"
    )
    files = {
        f"incidents/2026/i{n}.md": incident(
            f"title: T{n}\nimpact: minor\ncomponents: [api]",
            f"## Resolved 2026-11-2{n} 10:00\nFixed.\n\n## Investigating 2026-11-2{n} 09:00\nOn it.\n",
        )
        for n in range(1, 6)
    }
    project = make_project(files, components=components)
    assert main(["-C", str(project), "check"]) == 0
    err = capsys.readouterr().err
    partial = [line for line in err.splitlines() if "only part of an SLA" in line]
    assert len(partial) == 1, err
    assert partial[0].startswith("incidents/2026/i1.md:")
    assert partial[0].endswith(
        "; so do 4 more incidents (incidents/2026/i2.md, incidents/2026/i3.md, …)"
    )
    # The policy itself is warned of at its line, as ever.
    assert any(
        line.startswith("components.yaml:10: warning: ") and "'core P1'" in line
        for line in err.splitlines()
    ), err
