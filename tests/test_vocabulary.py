"""One vocabulary: every word for a status, impact, indicator, phase and SLA state is defined once,
translated where pages and feeds show it, and kept in Statuspage's English where the API shows it;
the theme's templates show typed values and decide nothing about them."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from importlib import resources
from itertools import pairwise
from pathlib import Path

import jinja2
import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from lxml import etree

from statusgen.model.content import ComponentStatus, Impact, Indicator, Kind, SiteInfo, UpdateStatus
from statusgen.model.sla import DeadlineState
from statusgen.render.catalog import template_path
from statusgen.render.environment import make_env
from statusgen.render.words import FORMS, ICONS, LABELS, VOCABULARY
from tests.conftest import COMPONENTS, TZ, BuiltSite, MakeProject, incident

Build = Callable[..., BuiltSite]

THEME = Path(str(resources.files("statusgen") / "theme" / "templates"))

# Sunday noon; P1 is on a 24x7 clock, so the deadlines fall the same day.
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=TZ)
P1 = """
priorities:
  default: {critical: P1, major: P1, minor: P1, none: P1}
policies:
  default:
    P1: {first_response: 2h, resolution: 4h, calendar: 24x7}
"""
FILES = {
    # Answered after 30 min (met); resolution due at 13:00, an hour from now (running).
    "incidents/answered.md": incident(
        "title: Answered\nimpact: critical\ncomponents: [api]\nstarted: 2026-11-22 09:00",
        "## Investigating 2026-11-22 09:30\nLooking.\n",
    ),
    # Answered after 3 h (breached by 1 h); resolution was due at 10:00 (breached by 2 h).
    "incidents/late.md": incident(
        "title: Late\nimpact: critical\ncomponents: [db]\nstarted: 2026-11-22 06:00",
        "## Investigating 2026-11-22 09:00\nLooking.\n",
    ),
}
# A site's own words, some unlike the shipped catalog's ("resta"), to tell which is shown; a
# message with plural forms is a pair.
PORTUGUESE: dict[str | tuple[str, str], str | tuple[str, str]] = {
    "on time": "no prazo",
    ("in progress, %(left)s left", "in progress, %(left)s left"): (
        "em andamento, resta %(left)s",
        "em andamento, restam %(left)s",
    ),
    "%(late)s late": "%(late)s de atraso",
    "First-response deadline": "Prazo da primeira resposta",
    "Major System Outage": "Interrupção total do sistema",
    "Major outage": "Interrupção total",
}


def pt_br(make_project: MakeProject, files: dict[str, str], extra: str = "") -> Path:
    """A project in Brazilian Portuguese, with a catalog of the words above."""
    components = COMPONENTS.replace(
        "timezone: America/Sao_Paulo", "timezone: America/Sao_Paulo\n  language: pt-BR"
    )
    project = make_project(files, components=components + extra)
    catalog = Catalog(locale="pt_BR")
    for english_text, portuguese in PORTUGUESE.items():
        catalog.add(english_text, portuguese)
    mo = project / "locale/pt_BR/LC_MESSAGES/statusgen.mo"
    mo.parent.mkdir(parents=True)
    with mo.open("wb") as stream:
        write_mo(stream, catalog)
    return project


def test_every_value_has_exactly_one_label() -> None:
    for vocabulary in VOCABULARY:
        labelled = [value for value in LABELS if type(value) is vocabulary]
        assert sorted(labelled, key=list(vocabulary).index) == list(vocabulary), vocabulary
    assert {type(value) for value in LABELS} == set(VOCABULARY)
    for form, messages in FORMS.items():
        assert {type(value) for value in messages} <= set(VOCABULARY), form


def test_every_message_of_the_vocabulary_is_in_the_catalog_template() -> None:
    with template_path().open("rb") as stream:
        known = {message.id for message in read_po(stream) if message.id}
    messages = {message for form in FORMS.values() for message in form.values()}
    assert messages - known == set()


def test_every_icon_is_drawn(tmp_path: Path) -> None:
    for vocabulary in (ComponentStatus, Indicator, Impact, Kind, UpdateStatus, DeadlineState):
        assert set(vocabulary) <= set(ICONS), vocabulary
    env = make_env(tmp_path, SiteInfo("T", "https://x.example/", TZ, "", "en"))
    macros = env.get_template("macros.html").module
    for value in ICONS:
        svg = etree.fromstring(str(macros.icon(value)))
        assert svg.get("class") == f"icon icon-{value.value}"
        assert len(svg) > 0, value  # a shape, not an empty box


# Operators that compare or compute: a template that needs one is deciding what a value means.
_DECIDING = {"==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "//", "%", "**"}


@pytest.mark.parametrize(
    "name", sorted(p.relative_to(THEME).as_posix() for p in THEME.rglob("*.html"))
)
def test_the_theme_compares_no_status_and_computes_nothing(name: str) -> None:
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"])
    source = (THEME / name).read_text(encoding="utf-8")
    tokens = [(line, kind, value) for line, kind, value in env.lex(source) if kind != "whitespace"]
    deciding = [
        (line, value) for line, kind, value in tokens if kind == "operator" and value in _DECIDING
    ]
    assert deciding == [], f"{name}: {deciding}"
    for (line, _, word), (_, _, after) in pairwise(tokens):
        # `x in ("resolved", …)` would test a status against its spelling.
        assert not (word == "in" and after in ("(", "[")), f"{name}:{line}"


def sla_badges(site: BuiltSite, incident_id: str) -> list[tuple[str, str]]:
    """The state and the words of each deadline in the incident's SLA section."""
    spans = site.page(f"incidents/{incident_id}.html").xpath(
        "//ul[@class='sla-targets']//span[starts-with(@class, 'sla-state ')]"
    )
    return [
        (span.get("class").split("-")[-1], " ".join(span.text_content().split())) for span in spans
    ]


def test_deadline_states_read_as_their_words(make_project: MakeProject, build_site: Build) -> None:
    site = build_site(make_project(FILES, components=COMPONENTS + P1), now=NOW)
    assert sla_badges(site, "answered") == [
        ("met", "on time"),
        ("running", "in progress, 1 h left"),
    ]
    assert sla_badges(site, "late") == [("breached", "1 h late"), ("breached", "2 h late")]
    # The resolution deadline is still to come: the timeline of what happened leaves it out.
    timeline = site.text("incidents/answered.html", "//ol[@class='timeline']/li[1]")
    assert timeline.startswith("First-response deadline") and timeline.endswith("on time")
    feed = (site.out / "history.atom").read_text(encoding="utf-8")
    assert "First response (within 2 hours, by" in feed and "Resolution (within 4 hours, by" in feed


def test_deadline_states_are_translated_with_the_site(
    make_project: MakeProject, build_site: Build
) -> None:
    site = build_site(pt_br(make_project, FILES, P1), now=NOW)
    assert sla_badges(site, "answered") == [
        ("met", "no prazo"),
        ("running", "em andamento, resta 1 h"),
    ]
    assert sla_badges(site, "late")[0] == ("breached", "1 h de atraso")
    heading = site.text("incidents/answered.html", "//ol[@class='timeline']/li[1]//strong")
    assert heading == "Prazo da primeira resposta"
    # The JSON keeps its enum values.
    sla = json.loads((site.out / "api/sla.json").read_text())["incidents"]["answered"]
    assert (sla["first_response"]["state"], sla["resolution"]["state"]) == ("met", "running")


def test_the_api_keeps_statuspage_english_whatever_the_language(
    make_project: MakeProject, build_site: Build
) -> None:
    site = build_site(pt_br(make_project, FILES), now=NOW)
    banner = site.text("index.html", "//section[contains(@class, 'banner')]//h1")
    assert banner == "Interrupção total do sistema"
    for document in ("status.json", "summary.json"):
        status = json.loads((site.out / "api/v2" / document).read_text())["status"]
        assert status == {"indicator": "critical", "description": "Major System Outage"}
    # Badges are for people: they speak the site's language, in lower case as badges read.
    svg = etree.parse(str(site.out / "badges/components/api.svg")).getroot()
    assert svg.findtext("{http://www.w3.org/2000/svg}title") == "Public API: interrupção total"


def test_the_site_badge_reads_as_a_component_badge_of_its_colour(
    make_project: MakeProject, build_site: Build
) -> None:
    minor = incident(
        "title: Slow\nimpact: minor\ncomponents: [web]\nstarted: 2026-11-22 09:00",
        "## Investigating 2026-11-22 09:30\nLooking.\n",
    )
    site = build_site(make_project({"incidents/slow.md": minor}), now=NOW)
    ns = {"svg": "http://www.w3.org/2000/svg"}
    status = etree.parse(str(site.out / "badges/status.svg")).getroot()
    web = etree.parse(str(site.out / "badges/components/web.svg")).getroot()
    assert status.findtext("svg:title", namespaces=ns) == "status: degraded performance"
    assert web.findtext("svg:title", namespaces=ns) == "Web app: degraded performance"
    fill = "//svg:path[2]/@fill"  # the value's half
    assert status.xpath(fill, namespaces=ns) == web.xpath(fill, namespaces=ns) == ["#8a6d00"]
