"""Priority rules: component attributes and incident facts combined by ordered rules, before the
matrix and the default, read back from the pages and the JSON API of real builds."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from statusgen.cli import main
from tests.conftest import BuiltSite, MakeProject, incident

Build = Callable[..., BuiltSite]

SITE = """\
site:
  title: Example Status
  url: https://example.github.io/status/
  timezone: America/Sao_Paulo
"""

# Seed 001: P1 a total outage in production without a workaround, P2 a partial one without a
# workaround, P3 with a workaround or in the test environment, P4 no outage at all.
SEED_001 = (
    SITE
    + """\
attributes:
  environment: [prod, test]
groups:
  - name: Pipelines
    components:
      - {id: pipes, name: Pipelines, attributes: {environment: prod}}
      - {id: pipes-test, name: Pipelines (test), attributes: {environment: TEST}}
priorities:
  rules:
    - {when: {impact: none}, priority: P4}
    - {when: {environment: prod, impact: critical, workaround: false}, priority: P1}
    - {when: {environment: prod, impact: [major, minor], workaround: false}, priority: P2}
    - {when: {environment: prod, workaround: true}, priority: P3}
    - {when: {environment: test}, priority: P3}
policies:
  default:
    P1: {first_response: 1h, resolution: 4h}
    P2: {first_response: 2h, resolution: 8h}
    P3: {first_response: 4h, resolution: 2d}
    P4: {first_response: 8h, resolution: none}
"""
)

# Seed 003: P1 an outage of critical functionality; P2 other problems; P3 the rest.
SEED_003 = (
    SITE
    + """\
attributes:
  criticality: [critical, standard]
groups:
  - name: CRM
    components:
      - {id: checkout, name: Checkout, attributes: {criticality: critical}}
      - {id: reports, name: Reports, attributes: {criticality: standard}}
priorities:
  rules:
    - {when: {criticality: critical, impact: [major, critical]}, priority: P1}
  default: {critical: P2, major: P2, minor: P2, none: P3}
policies:
  default:
    P1: {first_response: 2h, resolution: 4h}
    P2: {first_response: 2h, resolution: 2d}
    P3: {first_response: 2d, resolution: 4d}
"""
)


def opened(name: str, impact: str, components: str, extra: str = "") -> tuple[str, str]:
    return f"incidents/{name}.md", incident(
        f"title: {name}\nimpact: {impact}\ncomponents: {components}\n"
        f"started: 2026-11-20 10:00\n{extra}",
        "## Investigating 2026-11-20 10:05\nLooking.\n",
    )


def priorities_shown(site: BuiltSite) -> dict[str, str | None]:
    """Each incident's priority in api/v2/incidents.json, checked against its page's panel."""
    listed = json.loads((site.out / "api/v2/incidents.json").read_text())["incidents"]
    found: dict[str, str | None] = {}
    for entry in listed:
        sla = entry["sla"]
        priority = sla["priority"] if sla else None
        page = site.text(f"incidents/{entry['id']}.html")
        if priority is None:
            assert "Priority" not in page, entry["id"]
        else:
            assert f"Priority {priority}, under the policy" in page, entry["id"]
        found[entry["id"]] = priority
    return found


def test_seed_001_workaround_and_test_environment_without_overrides(
    make_project: MakeProject, build_site: Build
) -> None:
    files = dict(
        [
            opened("total-prod", "critical", "[pipes]"),
            opened("partial-prod", "major", "[pipes]"),
            opened("partial-prod-said-no", "minor", "[pipes]", "workaround: false"),
            opened("worked-around", "critical", "[pipes]", "workaround: true"),
            opened("test-down", "critical", "[pipes-test]"),
            opened("question", "none", "[pipes]"),
            # Production and test at once: production's rule comes first.
            opened("both", "critical", "[pipes-test, pipes]"),
            # No component: no environment holds, no rule gives it a priority, and without a
            # matrix or default it has none, so no SLA.
            opened("nowhere", "major", "[]"),
            opened("nowhere-said", "major", "[]", "priority: P2"),
        ]
    )
    site = build_site(make_project(files, components=SEED_001))
    assert priorities_shown(site) == {
        "total-prod": "P1",
        "partial-prod": "P2",
        "partial-prod-said-no": "P2",
        "worked-around": "P3",
        "test-down": "P3",
        "question": "P4",
        "both": "P1",
        "nowhere": None,
        "nowhere-said": "P2",
    }


def test_seed_003_critical_functionality_without_overrides(
    make_project: MakeProject, build_site: Build
) -> None:
    files = dict(
        [
            opened("checkout-down", "critical", "[checkout]"),
            opened("checkout-partial", "major", "[checkout]"),
            opened("checkout-slow", "minor", "[checkout]"),
            opened("reports-down", "critical", "[reports]"),
            opened("both-down", "major", "[reports, checkout]"),
            opened("notice", "none", "[checkout]"),
            # An explicit priority still wins over every rule.
            opened("hand-set", "critical", "[checkout]", "priority: P3"),
        ]
    )
    site = build_site(make_project(files, components=SEED_003))
    assert priorities_shown(site) == {
        "checkout-down": "P1",
        "checkout-partial": "P1",
        "checkout-slow": "P2",
        "reports-down": "P2",
        "both-down": "P1",
        "notice": "P3",
        "hand-set": "P3",
    }
    # The P1 deadlines are those of the P1 policy: 2 h and 4 h around the clock.
    listed = json.loads((site.out / "api/v2/incidents.json").read_text())["incidents"]
    down = next(entry["sla"] for entry in listed if entry["id"] == "checkout-down")
    assert (down["first_response"]["target"], down["resolution"]["target"]) == ("2h", "4h")
    assert down["resolution"]["due_at"] == "2026-11-20T17:00:00Z"


def test_rules_come_before_the_matrix_and_the_default(
    make_project: MakeProject, build_site: Build
) -> None:
    components = SEED_003.replace(
        "  default: {critical: P2",
        "  matrix:\n"
        "    high: {critical: P1, major: P1, minor: P1, none: P1}\n"
        "    medium: {critical: P2, major: P2, minor: P2, none: P2}\n"
        "    low: {critical: P3, major: P3, minor: P3, none: P3}\n"
        "  default: {critical: P2",
    )
    files = dict(
        [
            opened("rule", "critical", "[checkout]", "urgency: low"),
            opened("matrix", "minor", "[checkout]", "urgency: high"),
            opened("default", "none", "[reports]"),
        ]
    )
    site = build_site(make_project(files, components=components))
    assert priorities_shown(site) == {"rule": "P1", "matrix": "P1", "default": "P3"}


def test_a_rule_on_urgency_needs_an_urgency(make_project: MakeProject, build_site: Build) -> None:
    components = SEED_003.replace(
        "  rules:\n", "  rules:\n    - {when: {urgency: [high, medium]}, priority: P1}\n"
    )
    files = dict(
        [
            opened("urgent", "minor", "[reports]", "urgency: HIGH"),
            opened("not-said", "minor", "[reports]"),
        ]
    )
    site = build_site(make_project(files, components=components))
    assert priorities_shown(site) == {"urgent": "P1", "not-said": "P2"}


def check_errors(project: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = main(["-C", str(project), "check", "-q"])
    return code, capsys.readouterr().err.splitlines()


def line_of(text: str, start: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.lstrip().startswith(start))


def test_mistakes_in_attributes_and_rules_name_their_line(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    components = (
        SITE
        + """\
attributes:
  environment: [prod, test]
  workaround: [yes, no]
  Bad-Name: [x]
  size: []
groups:
  - name: Pipelines
    components:
      - {id: pipes, name: Pipelines, attributes: {environment: stage}}
      - {id: other, name: Other, attributes: {enviroment: prod}}
      - {id: third, name: Third, attributes: {criticality: critical}}
priorities:
  rules:
    - {when: {impact: huge}, priority: P1}
    - {when: {enviroment: test}, priority: P3}
    - {when: {region: eu}, priority: P3}
    - {when: {workaround: maybe}, priority: P3}
    - {when: {impact: critical}}
    - {when: {impact: critical}, priority: P1, label: x}
    - {when: {impact: []}, priority: P1}
    - just text
  default: {critical: P1, major: P2, minor: P3, none: P4}
policies:
  default:
    P1: {first_response: 1h, resolution: none}
"""
    )
    project = make_project(components=components)
    at = lambda start: f"components.yaml:{line_of(components, start)}"  # noqa: E731
    code, errors = check_errors(project, capsys)
    assert code == 1
    assert errors[:-1] == [
        f"{at('workaround:')}: 'workaround' cannot be an attribute: priority rules ask it of "
        "the incident (the incident's own: impact, urgency, workaround)",
        f"{at('Bad-Name:')}: attribute name 'Bad-Name' may use only a-z, 0-9 and '_', from a "
        "letter",
        f"{at('size:')}: attribute 'size' must list its values, such as [critical, standard]",
        f"{at('- {id: pipes,')}: unknown environment value 'stage' (allowed: prod, test)",
        f"{at('- {id: other,')}: unknown attribute 'enviroment' (did you mean 'environment'?) "
        "(declared under the top-level 'attributes': environment; declare an attribute there "
        "first, with its values)",
        f"{at('- {id: third,')}: unknown attribute 'criticality' (declared under the top-level "
        "'attributes': environment; declare an attribute there first, with its values)",
        f"{at('- {when: {impact: huge}')}: unknown impact value 'huge' (allowed: none, minor, "
        "major, critical)",
        f"{at('- {when: {enviroment')}: unknown condition 'enviroment' (did you mean "
        "'environment'?) (conditions: impact, urgency, workaround, and the component "
        "attributes declared under 'attributes': environment)",
        f"{at('- {when: {region')}: unknown condition 'region' (allowed: environment, impact, "
        "urgency, workaround) (conditions: impact, urgency, workaround, and the component "
        "attributes declared under 'attributes': environment)",
        f"{at('- {when: {workaround')}: condition 'workaround' must be true or false, not 'maybe'",
        f"{at('- {when: {impact: critical}}')}: priority rule without 'priority' (a rule is "
        "{when: {impact: critical}, priority: P1})",
        f"{at('- {when: {impact: critical}, priority: P1, label')}: unknown priority rule key "
        "'label' (allowed: priority, when)",
        f"{at('- {when: {impact: []}')}: condition 'impact' lists no value (allowed: none, "
        "minor, major, critical)",
        f"{at('- just text')}: a priority rule must be a mapping such as {{when: {{impact: "
        "critical}, priority: P1}",
    ]
    assert errors[-1].startswith("statusgen: 14 errors found")


def test_workaround_in_an_incident_is_true_or_false(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    name, text = opened("unsure", "major", "[pipes]", "workaround: maybe")
    project = make_project({name: text}, components=SEED_001)
    code, errors = check_errors(project, capsys)
    assert code == 1
    assert errors[0] == (
        f"incidents/unsure.md:{line_of(text, 'workaround:')}: workaround must be true or "
        "false, not 'maybe'"
    )


def test_the_schemas_accept_the_seeds(make_project: MakeProject) -> None:
    from tests.test_schemas import schema_problems, yaml_value

    for components in (SEED_001, SEED_003):
        assert schema_problems("components", yaml_value(components)) == []
    broken = SEED_001.replace("priority: P4}", "}").replace("pipes, name", "pipes, nmae")
    problems = schema_problems("components", yaml_value(broken))
    assert "'priority' is a required property" in problems
    assert "Additional properties are not allowed ('nmae' was unexpected)" in problems
