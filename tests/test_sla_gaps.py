"""No silent gaps: `statusgen check` and `build` warn of every incident without a service level
and of every part of the SLA configuration that leaves one undefined; `check --strict` fails."""

from __future__ import annotations

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
