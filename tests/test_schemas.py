"""The JSON Schemas of components.yaml and of the front matter: valid, shipped and printed as they
are, met by the examples, and in agreement with the loader on every key and on what it accepts."""

from __future__ import annotations

import ast
import fnmatch
import json
import tomllib
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from statusgen import __version__
from statusgen.cli import SCHEMAS, main
from statusgen.errors import SourceError
from statusgen.load import config, email_settings, holidays, incident, notifications, priority, sla
from statusgen.load.nodes import parse_timestamp, parse_yaml
from statusgen.model.calendars import parse_duration
from statusgen.model.content import Impact, Kind
from statusgen.model.sla import MAINTENANCE, Disclosure
from tests.conftest import COMPONENTS, REPO, MakeProject

SCHEMA_FOLDER = REPO / "statusgen" / "schemas"
MODELINE = "# yaml-language-server: $schema="


def shipped(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        (SCHEMA_FOLDER / f"{name}.schema.json").read_text(encoding="utf-8")
    )
    return loaded


def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(shipped(name), format_checker=Draft202012Validator.FORMAT_CHECKER)


def as_an_editor_reads(value: Any) -> Any:
    """The YAML value as JSON: every key text (an editor reads `404:` as the key "404")."""
    if isinstance(value, dict):
        return {str(key): as_an_editor_reads(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_an_editor_reads(item) for item in value]
    return value


def yaml_value(text: str) -> Any:
    """The document as statusgen reads it: timestamps stay text, as they do in an editor."""
    errors: list[SourceError] = []
    document = parse_yaml(text, "document", 1, errors)
    assert document is not None and not errors, errors
    return as_an_editor_reads(document.value)


def front_matter(text: str) -> Any:
    lines = text.split("\n")
    assert lines[0] == "---"
    return yaml_value("\n".join(lines[1 : lines.index("---", 1)]))


def schema_problems(name: str, instance: Any) -> list[str]:
    return [error.message for error in validator(name).iter_errors(instance)]


# -- the schemas themselves ---------------------------------------------------------------------


@pytest.mark.parametrize("name", SCHEMAS)
def test_each_schema_is_a_valid_2020_12_schema(name: str) -> None:
    schema = shipped(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def subschemas(node: Any, pointer: str = "") -> Iterator[tuple[str, Any]]:
    yield pointer, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from subschemas(value, f"{pointer}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from subschemas(value, f"{pointer}/{index}")


@pytest.mark.parametrize("name", SCHEMAS)
def test_every_property_is_described_for_the_editors_hover(name: str) -> None:
    undescribed = [
        f"{pointer}/{key}"
        for pointer, node in subschemas(shipped(name))
        if isinstance(node, dict)
        and pointer.rsplit("/", 1)[-1] == "properties"
        and not pointer.startswith("/if/")  # the condition, not where keys are written
        for key, value in node.items()
        if len(value.get("description", "")) < 20
    ]
    assert not undescribed


@pytest.mark.parametrize("name", SCHEMAS)
def test_schema_command_prints_the_shipped_file_without_a_project(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # an empty folder: no components.yaml, no incidents/
    assert main(["schema", name]) == 0
    printed = capsys.readouterr().out
    assert printed == (SCHEMA_FOLDER / f"{name}.schema.json").read_text(encoding="utf-8")
    # Stable: the file is what JSON of its own keys, in their order, is written as.
    assert printed == json.dumps(json.loads(printed), indent=2, ensure_ascii=False) + "\n"


def test_schema_help_says_what_it_is_for(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["schema", "--help"])
    assert exit_.value.code == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert "Print the JSON Schema (draft 2020-12) of components.yaml" in shown
    assert "complete keys and check values as you type. Needs no project." in shown
    assert "# yaml-language-server: $schema=components.schema.json" in shown


def test_an_unknown_schema_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["schema", "incidents"])
    assert exit_.value.code == 2
    assert "invalid choice: 'incidents' (choose from 'components', 'incident')" in (
        capsys.readouterr().err
    )


def test_the_schemas_are_package_data() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["statusgen"]
    for name in SCHEMAS:
        packaged = f"schemas/{name}.schema.json"
        assert any(fnmatch.fnmatch(packaged, pattern) for pattern in patterns), packaged
    assert "jsonschema" in " ".join(pyproject["project"]["optional-dependencies"]["test"])


# -- the examples -------------------------------------------------------------------------------

EXAMPLES = (REPO, REPO / "examples" / "pt-BR")


@pytest.mark.parametrize("project", EXAMPLES, ids=["root", "pt-BR"])
def test_the_examples_meet_the_schemas(project: Path) -> None:
    components = (project / "components.yaml").read_text(encoding="utf-8")
    assert schema_problems("components", yaml_value(components)) == []
    files = sorted((project / "incidents").rglob("*.md"))
    kinds = set()
    for path in files:
        front = front_matter(path.read_text(encoding="utf-8"))
        kinds.add(front.get("type", "incident"))
        assert schema_problems("incident", front) == [], path
    assert len(files) >= 10 and kinds == {"incident", "maintenance"}


@pytest.mark.parametrize("project", EXAMPLES, ids=["root", "pt-BR"])
def test_the_examples_name_the_shipped_schema_on_their_first_line(project: Path) -> None:
    first = (project / "components.yaml").read_text(encoding="utf-8").split("\n", 1)[0]
    assert first.startswith(MODELINE)
    # Editors resolve a relative schema path from the folder of the file that names it.
    named = (project / first.removeprefix(MODELINE)).resolve()
    assert named == (SCHEMA_FOLDER / "components.schema.json").resolve()


# -- the keys: one table in the loader, the same properties in the schema ------------------------

# Where each table of keys the loader accepts appears in a schema, as a JSON pointer to the object
# whose properties (or to the list of names) must be exactly those keys.
KEY_TABLES: list[tuple[str, str, Any, str]] = [
    ("components", "", config, "TOP_KEYS"),
    ("components", "/properties/site", config, "SITE_KEYS"),
    ("components", "/$defs/group", config, "GROUP_KEYS"),
    ("components", "/$defs/component", config, "COMPONENT_KEYS"),
    ("components", "/properties/uptime", config, "UPTIME_KEYS"),
    ("components", "/properties/uptime/properties/weights", config, "WEIGHTED_STATUSES"),
    ("components", "/$defs/calendar", sla, "CALENDAR_KEYS"),
    ("components", "/$defs/calendar/properties/holidays", holidays, "HOLIDAYS_KEYS"),
    ("components", "/properties/priorities", priority, "PRIORITIES_KEYS"),
    ("components", "/properties/priorities/properties/matrix", priority, "URGENCIES"),
    ("components", "/$defs/priorityRow", priority, "IMPACTS"),
    ("components", "/$defs/priorityRule", priority, "RULE_KEYS"),
    ("components", "/$defs/policy", sla, "TARGET_KEYS"),
    ("components", "/$defs/target/anyOf/2", sla, "TARGET_ON_CALENDAR_KEYS"),
    ("components", "/$defs/maintenancePolicy", sla, "MAINTENANCE_KEYS"),
    ("components", "/properties/sla", sla, "SLA_KEYS"),
    ("components", "/$defs/plan", sla, "PLAN_KEYS"),
    ("components", "/properties/notifications", notifications, "NOTIFICATIONS_KEYS"),
    ("components", "/$defs/channel", notifications, "CHANNEL_KEYS"),
    ("components", "/$defs/email_channel", email_settings, "EMAIL_KEYS"),
    ("components", "/$defs/email_channel/properties/smtp", email_settings, "SMTP_KEYS"),
    ("incident", "/else/propertyNames/enum", incident, "INCIDENT_KEYS"),
    ("incident", "/then/propertyNames/enum", incident, "MAINTENANCE_KEYS"),
    ("incident", "/properties/sla", incident, "CASE_TARGET_KEYS"),
    ("incident", "/$defs/caseTarget/anyOf/1", sla, "TARGET_ON_CALENDAR_KEYS"),
]


def at(schema: Any, pointer: str) -> Any:
    node = schema
    for part in pointer.split("/")[1:]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def keys_at(schema: Any, pointer: str) -> set[str]:
    node = at(schema, pointer)
    return set(node) if isinstance(node, list) else set(node["properties"])


@pytest.mark.parametrize(
    ("name", "pointer", "module", "table"),
    KEY_TABLES,
    ids=[f"{module.__name__.rsplit('.', 1)[1]}.{table}" for _, _, module, table in KEY_TABLES],
)
def test_the_schema_and_the_loader_know_the_same_keys(
    name: str, pointer: str, module: Any, table: str
) -> None:
    assert keys_at(shipped(name), pointer) == set(getattr(module, table))


def test_every_closed_mapping_of_the_schemas_has_its_table_in_the_loader() -> None:
    for name in SCHEMAS:
        closed = {
            pointer
            for pointer, node in subschemas(shipped(name))
            if isinstance(node, dict) and node.get("additionalProperties") is False
        }
        mapped = {pointer for schema, pointer, _, _ in KEY_TABLES if schema == name}
        assert closed <= mapped | {""}, closed - mapped


def key_tables_the_loader_checks() -> set[tuple[str, str]]:
    """(module, constant) of every table passed to the loader's unknown-key checks, read from
    its code: a check given a literal list instead of a named table fails here."""
    checks = ("check_keys", "_strict_fields")
    found = set()
    for path in sorted((REPO / "statusgen" / "load").glob("*.py")):
        for function in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(function, ast.FunctionDef):
                continue
            # A check that hands its own argument on is scanned where it is called.
            forwarded = {a.arg for a in function.args.args} if function.name in checks else set()
            for node in ast.walk(function):
                if not (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id in checks
                ):
                    continue
                allowed = node.args[1]
                for element in allowed.elts if isinstance(allowed, ast.Tuple) else [allowed]:
                    named = element.value if isinstance(element, ast.Starred) else element
                    assert isinstance(named, ast.Name), f"{path.name}:{node.lineno}"
                    if named.id not in forwarded:
                        found.add((path.stem, named.id))
    return found


def test_every_table_the_loader_checks_keys_against_is_in_the_schemas() -> None:
    checked = key_tables_the_loader_checks()
    mapped = {(module.__name__.rsplit(".", 1)[1], table) for _, _, module, table in KEY_TABLES}
    # WINDOW_KEYS are the maintenance keys an incident is told to leave out (its keys are
    # INCIDENT_KEYS); the other tables are each a closed mapping of a schema.
    assert checked - mapped == {("incident", "WINDOW_KEYS")}
    assert len(checked) >= 15
    assert set(incident.WINDOW_KEYS) <= set(incident.MAINTENANCE_KEYS)
    assert set(incident.WINDOW_KEYS).isdisjoint(incident.INCIDENT_KEYS)


def test_the_front_matter_schema_knows_both_kinds_of_file() -> None:
    schema = shipped("incident")
    every_key = set(incident.INCIDENT_KEYS) | set(incident.MAINTENANCE_KEYS)
    assert set(schema["properties"]) == every_key
    assert set(schema["then"]["required"]) == {"title", *incident.WINDOW_KEYS}
    assert set(schema["else"]["required"]) == {"title", "impact"}
    # A maintenance's tier rules sit under this key, beside the priorities.
    tier = at(shipped("components"), "/properties/policies/additionalProperties")
    assert set(tier["properties"]) == {MAINTENANCE}


ENUMS: list[tuple[str, str, tuple[str, ...]]] = [
    ("incident", "/properties/type", tuple(k.value for k in Kind)),
    ("incident", "/properties/impact", tuple(i.value for i in Impact)),
    ("incident", "/properties/urgency", priority.URGENCIES),
    (
        "incident",
        "/properties/components/anyOf/1/additionalProperties/anyOf/1",
        incident.COMPONENT_STATUSES,
    ),
    ("components", "/properties/sla/properties/public", tuple(d.value for d in Disclosure)),
    ("components", "/$defs/day", sla.DAYS),
]


@pytest.mark.parametrize(("name", "pointer", "values"), ENUMS)
def test_the_schema_offers_the_values_the_loader_allows(
    name: str, pointer: str, values: tuple[str, ...]
) -> None:
    choices = at(shipped(name), pointer)["anyOf"]
    assert set(choices[0]["enum"]) == set(values)
    # The loader reads these case-insensitively; so does the schema's second form.
    spelled = Draft202012Validator({"anyOf": choices})
    for value in values:
        assert spelled.is_valid(value) and spelled.is_valid(value.upper())
        assert not spelled.is_valid("x" + value)


# -- mistakes: refused by the schema and by `statusgen check` alike ------------------------------

SLA_CONFIG = """\
uptime:
  days: 90
  weights: {major_outage: 1, partial_outage: 0.3, degraded_performance: 0}
calendars:
  business:
    label: business hours
    timezone: America/Sao_Paulo
    days: [mon, tue, wed, thu, fri]
    hours: ["09:00-12:00", "13:00-18:00"]
    holidays: {country: BR, subdivision: SP}
    extra_dates:
      2026-12-24: "09:00-13:00"
      2026-12-31: closed
priorities:
  matrix:
    high:   {critical: P1, major: P1, minor: P2, none: P3}
    medium: {critical: P1, major: P2, minor: P3, none: P4}
    low:    {critical: P2, major: P3, minor: P4, none: P4}
  default: {critical: P1, major: P2, minor: P3, none: P4}
policies:
  core:
    P1: {label: Critical support, first_response: {target: 2h, calendar: 24x7}, resolution: 8h}
    P2: {first_response: 4h, resolution: 16h, calendar: business}
    P3: {first_response: 8h, resolution: 7d, calendar: business}
    P4: {first_response: 16h, resolution: null, calendar: business}
    maintenance:
      label: Planned maintenance
      notice: 2bd
      calendar: business
      windows: ["sat-sun 00:00-06:00"]
  default:
    P1: {first_response: 1h, resolution: 5h}
    P2: {first_response: 2h, resolution: 9h}
    P3: {first_response: 3h, resolution: 2bd, calendar: business}
    P4: {first_response: 8h, resolution: none}
sla:
  public: full
"""

NOTIFICATIONS_CONFIG = """\
notifications:
  horizon: 24h
  channels:
    - name: ops
      type: slack
      url_env: SLACK_WEBHOOK_URL
      components: [api, web]
    - {name: hooks, type: webhook, url_env: STATUS_WEBHOOK_URL}
"""

BASE_COMPONENTS = (
    COMPONENTS.replace(
        "  timezone: America/Sao_Paulo\n",
        "  timezone: America/Sao_Paulo\n  language: en\n  accent: '#0b57d0'\n",
    )
    + SLA_CONFIG
    + NOTIFICATIONS_CONFIG
)

BASE_INCIDENT = """\
---
title: Checkout errors
impact: major
components:
  api: partial_outage
  web:
started: 2026-11-20 14:02
eta: 2026-11-20T21:00Z
urgency: high
priority: P2
---
## Investigating 2026-11-20 14:10
We are looking into it.
"""

BASE_MAINTENANCE = """\
---
type: maintenance
title: Database upgrade
components: [db]
scheduled_start: 2026-11-28 00:00
scheduled_end: 2026-11-28 04:00
---
## Scheduled 2026-11-21 14:00
Planned for Saturday night.
"""

BASES = {"components": BASE_COMPONENTS, "incident": BASE_INCIDENT, "maintenance": BASE_MAINTENANCE}

# (file, text in it, replaced by, what `statusgen check` says; None: both accept it)
CASES: list[tuple[str, str, str, str | None]] = [
    # components.yaml: typo'd keys at every level
    ("components", "uptime:", "uptme:", "unknown top-level key 'uptme' (did you mean 'uptime'?)"),
    (
        "components",
        "  language: en",
        "  langauge: en",
        "unknown site key 'langauge' (did you mean 'language'?)",
    ),
    (
        "components",
        "  - name: Data",
        "  - nmae: Data",
        "unknown group key 'nmae' (did you mean 'name'?)",
    ),
    (
        "components",
        "tier: core",
        "teir: core",
        "unknown component key 'teir' (did you mean 'tier'?)",
    ),
    ("components", "  days: 90", "  dayz: 90", "unknown uptime key 'dayz' (did you mean 'days'?)"),
    (
        "components",
        "partial_outage: 0.3",
        "partial: 0.3",
        "unknown uptime weight key 'partial' (did you mean 'partial_outage'?)",
    ),
    (
        "components",
        "    extra_dates:",
        "    extra_date:",
        "unknown calendar key 'extra_date' (did you mean 'extra_dates'?)",
    ),
    (
        "components",
        "subdivision: SP",
        "subdivison: SP",
        "unknown holidays key 'subdivison' (did you mean 'subdivision'?)",
    ),
    (
        "components",
        "  matrix:",
        "  matrx:",
        "unknown priorities key 'matrx' (did you mean 'matrix'?)",
    ),
    (
        "components",
        "    high: ",
        "    hihg: ",
        "unknown urgency 'hihg' (allowed: low, medium, high)",
    ),
    (
        "components",
        "critical: P1, major: P1",
        "critical: P1, majr: P1",
        "unknown priority matrix key 'majr' (did you mean 'major'?)",
    ),
    (
        "components",
        "{critical: P1, major: P2, minor: P3, none: P4}\npolicies",
        "{critical: P1, major: P2, minor: P3, none: P4, nne: P4}\npolicies",
        "unknown default priorities key 'nne' (did you mean 'none'?)",
    ),
    (
        "components",
        "first_response: 4h",
        "first_respons: 4h",
        "unknown policy key 'first_respons' (did you mean 'first_response'?)",
    ),
    (
        "components",
        "{target: 2h, calendar: 24x7}",
        "{target: 2h, calender: 24x7}",
        "unknown first_response key 'calender' (did you mean 'calendar'?)",
    ),
    (
        "components",
        "      notice: 2bd",
        "      notise: 2bd",
        "unknown maintenance policy key 'notise' (did you mean 'notice'?)",
    ),
    (
        "components",
        "  public: full",
        "  publik: full",
        "unknown sla key 'publik' (did you mean 'public'?)",
    ),
    # components.yaml: wrong values and types
    (
        "components",
        "  public: full",
        "  public: everything",
        "unknown sla.public 'everything' (allowed: full, summary, none)",
    ),
    (
        "components",
        "  public: full",
        "  public:",
        "sla.public is empty (allowed: full, summary, none)",
    ),
    (
        "components",
        "  days: 90",
        "  days: ninety",
        "uptime days 'ninety' must be a whole number from 1 to 366",
    ),
    (
        "components",
        "  days: 90",
        "  days: 400",
        "uptime days '400' must be a whole number from 1 to 366",
    ),
    (
        "components",
        "major_outage: 1,",
        "major_outage: 2,",
        "uptime weight of major_outage '2' must be a number from 0 to 1",
    ),
    ("components", "title: Example Status", "title: [Example, Status]", "'title' must be text"),
    (
        "components",
        "  url: https://example.github.io/status/",
        "  url: example.github.io",
        "site url 'example.github.io' must be absolute (https://host/path/)",
    ),
    (
        "components",
        "accent: '#0b57d0'",
        "accent: blue",
        "site accent 'blue' is not a colour like \"#0b57d0\"",
    ),
    (
        "components",
        "language: en",
        "language: English",
        "language 'English' is not a tag like 'en' or 'pt-BR'",
    ),
    ("components", "- id: web", "- id: Web", "component id 'Web' may use only a-z, 0-9 and '-'"),
    (
        "components",
        "- id: web",
        "- id: group-web",
        "component id 'group-web' may not start with 'group-'",
    ),
    (
        "components",
        "  - name: Data\n    components:\n      - id: db\n        name: Database\n",
        "  - name: Data\n    components: []\n",
        "group 'Data': 'components' must be a non-empty list",
    ),
    ("components", "none: P3}", "none: }", "'priority' must be text"),
    (
        "components",
        "days: [mon, tue, wed, thu, fri]",
        "days: [mon, tue, wed, thu, fry]",
        "calendar 'business': 'days' must list working days",
    ),
    (
        "components",
        '"13:00-18:00"',
        '"1pm-6pm"',
        "working hours '1pm-6pm' must look like '09:00-18:00'",
    ),
    (
        "components",
        '"13:00-18:00"',
        '"13:00-18:60"',
        "working hours '13:00-18:60' must be times of day from 00:00 to 24:00",
    ),
    ("components", "2026-12-24:", "20261224:", "'20261224' is not a date (YYYY-MM-DD)"),
    ("components", "2026-12-24:", "2026-02-30:", "'2026-02-30' is not a date (YYYY-MM-DD)"),
    (
        "components",
        "2026-12-31: closed",
        "2026-12-31: shut",
        "working hours 'shut' must look like '09:00-18:00'",
    ),
    # components.yaml: bad durations
    ("components", "resolution: 16h", "resolution: 16x", "bad duration '16x'"),
    ("components", "resolution: 16h", "resolution: 16 hours", "bad duration '16 hours'"),
    ("components", "resolution: 16h", "resolution: 2d4h", "bad duration '2d4h'"),
    ("components", "resolution: 16h", "resolution: 0h", "bad duration '0h'"),
    ("components", "resolution: 16h", "resolution: 16", "bad duration '16'"),
    ("components", "notice: 2bd", "notice: 2bd1bd", "bad notice '2bd1bd'"),
    (
        "components",
        '["sat-sun 00:00-06:00"]',
        '["weekend 00:00-06:00"]',
        "maintenance window 'weekend 00:00-06:00' must look like",
    ),
    # components.yaml: what both accept, spelled as the loader allows
    ("components", "resolution: 16h", "resolution: 1h 30m", None),
    ("components", "resolution: 16h", "resolution: 2BD", None),
    ("components", "resolution: 16h", "resolution: 0.5h", None),
    ("components", "days: [mon, tue, wed, thu, fri]", "days: [Monday, Tue, WED, thu, fri]", None),
    ("components", '["sat-sun 00:00-06:00"]', '"Sat,Sun 00:00-06:00"', None),
    ("components", "2026-12-31: closed", "2026-12-31: Closed", None),
    ("components", "  public: full", "  public: Summary", None),
    ("components", "title: Example Status", "title: 2026", None),
    ("components", "name: Database", "name: 404", None),
    # front matter: typo'd keys
    (
        "incident",
        "impact: major",
        "impcat: major",
        "unknown front-matter key 'impcat' (did you mean 'impact'?)",
    ),
    (
        "incident",
        "urgency: high",
        "urgncy: high",
        "unknown front-matter key 'urgncy' (did you mean 'urgency'?)",
    ),
    (
        "maintenance",
        "scheduled_end:",
        "scheduled_ending:",
        "unknown front-matter key 'scheduled_ending' (did you mean 'scheduled_end'?)",
    ),
    (
        "maintenance",
        "title: Database upgrade",
        "title: Database upgrade\nimpact: major",
        "unknown front-matter key 'impact'",
    ),
    (
        "incident",
        "title: Checkout errors",
        "title: Checkout errors\nscheduled_start: 2026-11-28 00:00",
        "'scheduled_start' is for maintenance (add 'type: maintenance')",
    ),
    # front matter: wrong enums, types and timestamps
    (
        "incident",
        "impact: major",
        "impact: huge",
        "unknown impact 'huge' (allowed: none, minor, major, critical)",
    ),
    (
        "incident",
        "impact: major",
        "impact:",
        "impact is empty (allowed: none, minor, major, critical)",
    ),
    (
        "incident",
        "api: partial_outage",
        "api: borked",
        "unknown status 'borked' for component 'api'",
    ),
    (
        "incident",
        "urgency: high",
        "urgency: extreme",
        "unknown urgency 'extreme' (allowed: low, medium, high)",
    ),
    (
        "incident",
        "title: Checkout errors",
        "type: outage\ntitle: Checkout errors",
        "unknown type 'outage' (allowed: incident, maintenance)",
    ),
    ("incident", "title: Checkout errors", "title: [Checkout, errors]", "'title' must be text"),
    ("incident", "title: Checkout errors", "title: ''", "'title' must not be empty"),
    (
        "incident",
        "components:\n  api: partial_outage\n  web:\n",
        "components: api\n",
        "'components' must be a list of ids or a mapping of id: status",
    ),
    (
        "incident",
        "components:\n  api: partial_outage\n  web:\n",
        "components: [api, web, api]\n",
        "component 'api' is listed twice",
    ),
    (
        "incident",
        "started: 2026-11-20 14:02",
        "started: yesterday",
        "started: malformed timestamp 'yesterday'",
    ),
    (
        "incident",
        "started: 2026-11-20 14:02",
        "started: 2026-11-20",
        "started: malformed timestamp '2026-11-20'",
    ),
    (
        "incident",
        "started: 2026-11-20 14:02",
        "started: 2026-02-30 14:02",
        "started: malformed timestamp '2026-02-30 14:02'",
    ),
    ("incident", "eta: 2026-11-20T21:00Z", "eta: 2026-11-20T25:00Z", "eta: malformed timestamp"),
    (
        "incident",
        "eta: 2026-11-20T21:00Z",
        "eta: 2300-01-01 10:00",
        "eta: timestamp '2300-01-01 10:00' is out of range (years 1970 to 2199)",
    ),
    (
        "maintenance",
        "components: [db]",
        "components: {db: major_outage}",
        "maintenance 'components' must be a list of component ids",
    ),
    ("maintenance", "scheduled_end: 2026-11-28 04:00\n", "", "missing 'scheduled_end'"),
    ("incident", "impact: major\n", "", "missing 'impact'"),
    # front matter: what both accept
    ("incident", "impact: major", "impact: Major", None),
    ("incident", "api: partial_outage", "api: Partial_Outage", None),
    ("incident", "urgency: high", "urgency: HIGH", None),
    ("incident", "title: Checkout errors", "title: 404", None),
    ("incident", "started: 2026-11-20 14:02", "started: 2026-11-20T14:02:00.5-0300", None),
    ("incident", "components:\n  api: partial_outage\n  web:\n", "components: [api, web]\n", None),
    ("maintenance", "type: maintenance", "type: Maintenance", None),
    # notifications
    (
        "components",
        "  horizon: 24h",
        "  horizn: 24h",
        "unknown notifications key 'horizn' (did you mean 'horizon'?)",
    ),
    (
        "components",
        "url_env: SLACK_WEBHOOK_URL",
        "url_evn: SLACK_WEBHOOK_URL",
        "unknown channel key 'url_evn' (did you mean 'url_env'?)",
    ),
    (
        "components",
        "url_env: SLACK_WEBHOOK_URL",
        "url: https://hooks.slack.com/services/T0/B0/abc",
        "channel 'ops': a webhook address is a secret and must not be written here",
    ),
    (
        "components",
        "url_env: SLACK_WEBHOOK_URL",
        "url_env: https://hooks.slack.com/services/T0/B0/abc",
        "channel 'ops': url_env holds an address; it must name the environment variable",
    ),
    (
        "components",
        "url_env: SLACK_WEBHOOK_URL",
        "url_env: 1SLACK",
        "channel 'ops': url_env '1SLACK' is not the name of an environment variable",
    ),
    ("components", "type: slack", "type: slak", "unknown channel type 'slak' (allowed: slack"),
    ("components", "  horizon: 24h", "  horizon: 2bd", "notifications horizon '2bd' is not"),
    ("components", "  horizon: 24h", "  horizon: soon", "notifications horizon 'soon' is not"),
    ("components", "name: ops", "name: Ops Team", "channel name 'Ops Team' may use only a-z"),
    (
        "components",
        "      components: [api, web]\n",
        "      components: []\n",
        "channel components must be a non-empty list of component ids",
    ),
    ("components", "type: slack", "type: Slack", None),
    ("components", "  horizon: 24h", "  horizon: 90m", None),
]


def case_id(case: tuple[str, str, str, str | None]) -> str:
    file, _, new, expected = case
    return f"{file}:{'accepted' if expected is None else 'refused'}:{new.splitlines()[0] if new else 'removed'}"


@pytest.mark.parametrize(("file", "old", "new", "expected"), CASES, ids=[case_id(c) for c in CASES])
def test_a_mistake_fails_the_schema_and_check_alike(
    file: str,
    old: str,
    new: str,
    expected: str | None,
    make_project: MakeProject,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert BASES[file].count(old) == 1, old
    edited = BASES[file].replace(old, new)
    components = edited if file == "components" else BASE_COMPONENTS
    documents = {"incidents/2026/a.md": BASE_INCIDENT, "incidents/2026/b.md": BASE_MAINTENANCE}
    if file != "components":
        documents["incidents/2026/a.md" if file == "incident" else "incidents/2026/b.md"] = edited
    project = make_project(documents, components=components)
    code = main(["-C", str(project), "check", "-q"])
    reported = capsys.readouterr().err
    problems = schema_problems("components", yaml_value(components)) + [
        problem
        for text in documents.values()
        for problem in schema_problems("incident", front_matter(text))
    ]
    if expected is None:
        assert (code, reported, problems) == (0, "", [])
    else:
        assert code == 1 and expected in reported, reported
        assert problems, "the schema accepts what the loader refuses"


def test_the_base_of_the_cases_is_accepted_by_both(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(
        {"incidents/2026/a.md": BASE_INCIDENT, "incidents/2026/b.md": BASE_MAINTENANCE},
        components=BASE_COMPONENTS,
    )
    assert main(["-C", str(project), "check"]) == 0
    assert capsys.readouterr().out.strip().endswith("ok: 2 incidents, 3 components")
    assert schema_problems("components", yaml_value(BASE_COMPONENTS)) == []
    for text in (BASE_INCIDENT, BASE_MAINTENANCE):
        assert schema_problems("incident", front_matter(text)) == []


def test_a_whole_number_of_days_with_a_decimal_point_is_read_by_both(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    components = BASE_COMPONENTS.replace("  days: 90", "  days: 30.0")
    assert components != BASE_COMPONENTS
    assert schema_problems("components", yaml_value(components)) == []
    project = make_project({"incidents/2026/a.md": BASE_INCIDENT}, components=components)
    assert main(["-C", str(project), "build", "-q"]) == 0
    bars = (project / "site/index.html").read_text()
    assert "30 days ago" in bars and "90 days ago" not in bars


# -- the text forms: the schema's patterns accept exactly what the loader reads ------------------


def definition(name: str, key: str) -> Draft202012Validator:
    return Draft202012Validator({"$defs": shipped(name)["$defs"], "$ref": f"#/$defs/{key}"})


def two_digits(low: int, high: int) -> st.SearchStrategy[str]:
    return st.integers(low, high).map(lambda n: f"{n:02d}")


timestamps = st.builds(
    lambda *parts: "".join(parts),
    st.integers(1960, 2210).map(str),
    st.just("-"),
    two_digits(0, 13),
    st.just("-"),
    two_digits(0, 32),
    st.sampled_from(["T", " ", "t", "  "]),
    two_digits(0, 25),
    st.just(":"),
    two_digits(0, 61),
    st.sampled_from(["", ":00", ":59", ":60", ":30.5", ":30.123456", ":30.1234567"]),
    st.sampled_from(["", " "]),
    st.sampled_from(["", "Z", "z", "+03:00", "-0300", "+23:59", "+24:00", "-03:60", "+3:00"]),
)


@settings(max_examples=400, deadline=None)
@given(timestamps)
@example("1970-01-01T00:00:30.5 Z")  # "T", then a space before the offset: once refused
def test_a_timestamp_meets_the_schema_exactly_when_the_loader_reads_it(text: str) -> None:
    read = parse_timestamp(text, UTC) is not None
    assert definition("incident", "timestamp").is_valid(text) == read


durations = st.lists(
    st.tuples(
        st.sampled_from(["0", "00", "1", "2", "10", "2.5", "0.0", "0.5", ".5", "3."]),
        st.sampled_from(["", " "]),
        st.sampled_from(["m", "h", "bd", "d", "H", "BD", "Bd", "b d", "x", "", "w"]),
        st.sampled_from(["", " "]),
    ),
    min_size=0,
    max_size=3,
).map(lambda parts: "".join("".join(part) for part in parts))


@settings(max_examples=400, deadline=None)
@given(durations)
def test_a_duration_meets_the_schema_exactly_when_the_loader_reads_it(text: str) -> None:
    read = parse_duration(text) is not None
    assert definition("components", "duration").is_valid(text) == read


def test_the_duration_examples_cover_every_unit() -> None:
    checker = definition("components", "duration")
    for text in ("30m", "2h", "1h30m", "2bd", "7d", "1bd 4h"):
        assert checker.is_valid(text) and parse_duration(text) is not None
    for text in ("", "7d2h", "2h2h", "0m", "2 weeks"):
        assert not checker.is_valid(text) and parse_duration(text) is None


def test_the_guide_names_the_schema_at_the_tag_of_this_version() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    repository = pyproject["project"]["urls"]["Repository"].removeprefix("https://github.com/")
    url = (
        f"https://raw.githubusercontent.com/{repository}/v{__version__}/"
        "statusgen/schemas/components.schema.json"
    )
    guide = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"{MODELINE}{url}\n" in guide
    assert f"{MODELINE}components.schema.json\n" in guide


def test_init_writes_files_that_meet_the_schemas_and_name_the_one_of_this_version(
    tmp_path: Path,
) -> None:
    assert main(["init", str(tmp_path), "--title", "Acme Status", "--timezone", "UTC"]) == 0
    components = (tmp_path / "components.yaml").read_text(encoding="utf-8")
    first = components.split("\n", 1)[0]
    assert first == (
        f"{MODELINE}https://raw.githubusercontent.com/statusgen/statusgen/v{__version__}/"
        "statusgen/schemas/components.schema.json"
    )
    assert schema_problems("components", yaml_value(components)) == []
    (example,) = (tmp_path / "incidents").rglob("*.md")
    assert schema_problems("incident", front_matter(example.read_text(encoding="utf-8"))) == []
