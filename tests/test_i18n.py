"""Labels translated when templates are compiled read exactly as labels translated per page."""

from __future__ import annotations

import gettext
import io
import subprocess
import sys
from pathlib import Path

import jinja2
import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from statusgen.engine.labels import ConstantLabels
from tests.conftest import COMPONENTS, BuiltSite, MakeProject

TEMPLATE = """\
<p>{{ _("Plain") }}|{{ gettext("Plain") }}|{{ _("Quote") }}|{{ _("Percent") }}|{{ _("Missing") }}</p>
<p>{{ _("Quote") ~ "<i>" }}|{{ [_("Plain"), _("Quote")]|join(", ") }}|{{ _("Plain")|upper }}</p>
<p>{{ _("Named %(n)s", n="<x>") }}|{% set label = _("Quote") %}{{ label }}|{{ _('Plain') }}</p>
<p>{{ gettext("Named %(n)s", n=5) }}|{{ _("Missing %(n)s", n="&") }}|{{ (_("Percent")) }}</p>
<p>{{ _("Named %(n)s", n=_("Quote")) }}|{{ _("Named %(n)s" ~ "", n=1) }}|{{ [_("Percent")]|first }}</p>
"""
SWITCHING = '{% autoescape false %}{{ _("Quote") ~ "<i>" }}{% endautoescape %}|{{ _("Quote") }}'


def translations(messages: dict[str, str]) -> gettext.GNUTranslations:
    catalog = Catalog(locale="fr")
    for english, french in messages.items():
        catalog.add(english, french)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


FRENCH = translations(
    {
        "Plain": "Simple",
        "Quote": "l'incident & <b>co</b>",
        "Percent": "100%% sûr",
        "Named %(n)s": "Nommé %(n)s",
        "Broken": "%(n)s",
    }
)


def environment(fold: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.DictLoader(
            {
                "page.html": TEMPLATE,
                "page.txt": TEMPLATE,
                "switching.html": SWITCHING,
                "broken.html": '{{ _("Broken") }}',
                "broken-variables.html": '{{ _("Broken", m=1) }}',
            }
        ),
        autoescape=jinja2.select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n", *([ConstantLabels] if fold else [])],
    )
    env.install_gettext_translations(FRENCH, newstyle=True)  # type: ignore[attr-defined]
    if fold:
        env.constant_label_translations = FRENCH  # type: ignore[attr-defined]
    return env


@pytest.mark.parametrize("name", ["page.html", "page.txt", "switching.html"])
def test_folded_labels_render_as_the_runtime_would(name: str) -> None:
    expected = environment(fold=False).get_template(name).render()
    assert environment(fold=True).get_template(name).render() == expected
    assert "Simple" in expected or "l'incident" in expected  # the catalog was really used


def test_literal_labels_are_translated_when_compiled() -> None:
    env = environment(fold=True)
    source = env.compile(
        '<p>{{ _("Plain") }}, {{- gettext("Percent") }} {{ _("Named %(n)s", n=1) }}</p>',
        name="page.html",
        raw=True,
    )
    assert "<p>Simple,100% sûr " in source
    assert "'Plain'" not in source and "'Percent'" not in source
    # With variables, the translation is compiled in; only the formatting is left to each page.
    assert "'Nommé %(n)s'" in source and "Named" not in source


@pytest.mark.parametrize("name", ["broken.html", "broken-variables.html"])
def test_a_label_that_cannot_be_formatted_fails_as_it_would_at_runtime(name: str) -> None:
    with pytest.raises(KeyError):
        environment(fold=False).get_template(name).render()
    with pytest.raises(KeyError):
        environment(fold=True).get_template(name).render()


def write_catalog(project: Path, messages: dict[str, str]) -> None:
    catalog = Catalog(locale="fr")
    for english, french in messages.items():
        catalog.add(english, french)
    mo = project / "locale/fr/LC_MESSAGES/statusgen.mo"
    mo.parent.mkdir(parents=True, exist_ok=True)
    with mo.open("wb") as handle:
        write_mo(handle, catalog)


def test_an_edited_catalog_shows_on_the_next_cached_build(
    make_project: MakeProject, build_site: pytest.FixtureRequest
) -> None:
    project = make_project(
        components=COMPONENTS.replace("timezone:", "language: fr\n  timezone:", 1)
    )

    def banner(site: BuiltSite) -> str:
        return site.text("index.html", "//*[contains(@class, 'banner')]")

    write_catalog(project, {"All Systems Operational": "Tout fonctionne"})
    assert "Tout fonctionne" in banner(build_site(project))
    write_catalog(project, {"All Systems Operational": "Tous les systèmes fonctionnent"})
    assert "Tous les systèmes fonctionnent" in banner(build_site(project))
    (project / "locale/fr/LC_MESSAGES/statusgen.mo").unlink()
    assert "All Systems Operational" in banner(build_site(project))
    # Compiled templates are code: never kept in the project, where a clone could bring its own.
    assert not list(project.rglob("*templates*/*.cache"))


def test_a_damaged_catalog_is_reported_by_name(make_project: MakeProject, tmp_path: Path) -> None:
    project = make_project(
        components=COMPONENTS.replace("timezone:", "language: fr\n  timezone:", 1)
    )
    mo = project / "locale/fr/LC_MESSAGES/statusgen.mo"
    mo.parent.mkdir(parents=True)
    mo.write_bytes(b"not a catalog at all")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "statusgen",
            "-C",
            str(project),
            "build",
            "--now",
            "2026-11-22 12:00",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert (
        "statusgen: locale/fr/LC_MESSAGES/statusgen.mo: not a readable compiled message catalog"
        in (result.stderr)
    )
    assert "Traceback" not in result.stderr
    assert not (project / "site").exists()
