"""Translations: the shipped catalogs are complete, a site in Portuguese or Spanish shows no
English, the site's language is checked, and a site's own catalog is read as a .po or a .mo."""

from __future__ import annotations

import gettext
import io
import json
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from icalendar import Calendar
from lxml import etree, html

from statusgen.build import build, check
from statusgen.errors import BuildFailed, TemplateFailed
from statusgen.load import load_site
from statusgen.render.catalog import (
    compile_translation,
    compiled_path,
    extract,
    read_translation,
    shipped_translations,
    template_path,
    updated_translation,
)
from statusgen.render.i18n import shipped_languages
from tests.conftest import COMPONENTS, NOW, REPO, MakeProject, incident
from tests.test_authoring import statusgen

# Each shipped language: its folder and gettext's classic plural rule, which PO editors expect.
SHIPPED = {"pt-BR": "pt_BR", "es": "es"}
PLURAL_FORMS = {"pt_BR": "nplurals=2; plural=(n > 1);", "es": "nplurals=2; plural=(n != 1);"}
EXAMPLE = REPO / "examples/pt-BR"
AGAIN = (
    "run `python -m statusgen.render.catalog`, translate what it left empty or fuzzy, run it again"
)


def shipped_catalog(folder: str) -> Path:
    return REPO / "statusgen/locale" / folder / "LC_MESSAGES/statusgen.po"


def template() -> Catalog:
    with template_path().open("rb") as stream:
        return read_po(stream)


def forms(message: Message) -> tuple[str, ...]:
    value = message.string
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def ids(message: Message) -> tuple[str, ...]:
    value = message.id
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def percent_signs(text: str) -> Counter[str]:
    """Every use of '%' in a message: its placeholders, '%%', and any stray '%' (which
    Jinja's formatting of every message would reject)."""
    return Counter(re.findall(r"%\(\w+\)[a-z]|%%|%", text))


def translation_problems(folder: str) -> list[str]:
    """What a translator still has to do in the shipped catalog of `folder`, one line each."""
    catalog = read_translation(shipped_catalog(folder))
    problems = []
    if catalog.plural_forms != PLURAL_FORMS[folder]:
        problems.append(f"Plural-Forms is {catalog.plural_forms!r}")
    source = {message.id: message for message in template() if message.id}
    translated = {message.id: message for message in catalog if message.id}
    for extra in sorted(map(str, translated.keys() - source.keys())):
        problems.append(f"{extra!r}: no longer a message of the template")
    for key, message in source.items():
        found = translated.get(key)
        english = ids(message)[0]
        if found is None:
            problems.append(f"{english!r}: missing")
            continue
        if found.fuzzy:
            problems.append(f"{english!r}: fuzzy")
        if len(forms(found)) != (catalog.num_plurals if message.pluralizable else 1):
            problems.append(f"{english!r}: {len(forms(found))} forms")
        for text in forms(found):
            if not text.strip():
                problems.append(f"{english!r}: untranslated")
            elif percent_signs(text) != percent_signs(ids(message)[-1]):
                problems.append(f"{english!r}: placeholders {sorted(percent_signs(text))}")
            # Translations are trusted markup in the pages: they may not bring tags of their own.
            elif any(c in text and c not in english for c in "<>&"):
                problems.append(f"{english!r}: markup in {text!r}")
    return problems


@pytest.mark.parametrize("folder", sorted(SHIPPED.values()))
def test_every_message_of_the_template_is_translated(folder: str) -> None:
    problems = translation_problems(folder)
    assert problems == [], f"{folder}: {AGAIN}:\n" + "\n".join(problems)


def messages(compiled: bytes) -> tuple[dict[object, str], list[int]]:
    """A compiled catalog's translations, and the form it picks for 0 to 30 things."""
    translations = gettext.GNUTranslations(io.BytesIO(compiled))
    catalog = {key: text for key, text in translations._catalog.items() if key != ""}  # type: ignore[attr-defined]
    return catalog, [translations.plural(n) for n in range(31)]  # type: ignore[attr-defined]


@pytest.mark.parametrize("folder", sorted(SHIPPED.values()))
def test_the_compiled_catalogs_are_those_of_the_po_files(folder: str) -> None:
    po = shipped_catalog(folder)
    compiled = compiled_path(po)
    assert compiled.is_file(), AGAIN
    assert messages(compiled.read_bytes()) == messages(compile_translation(po)), AGAIN


def test_the_shipped_languages_are_those_tested() -> None:
    assert [p.parent.parent.name for p in shipped_translations()] == sorted(SHIPPED.values())
    assert shipped_languages() == sorted(["en", *SHIPPED])


def test_the_catalog_tool_brings_a_translation_up_to_the_template(tmp_path: Path) -> None:
    """The next round of translation starts from what the tool leaves: new messages empty,
    changed ones fuzzy with the old translation as a guess, the others as they were."""
    path = tmp_path / "statusgen.po"
    shutil.copy(shipped_catalog("pt_BR"), path)
    changed = extract()
    changed.delete("lasted %(d)s")
    changed.add("it lasted %(d)s", flags=["python-format"])
    changed.add("A brand new sentence.")
    path.write_bytes(updated_translation(path, changed))
    updated = {m.id: m for m in read_translation(path) if m.id}
    assert updated["A brand new sentence."].string == ""
    assert updated["it lasted %(d)s"].fuzzy
    assert updated["it lasted %(d)s"].string == "durou %(d)s"
    assert "lasted %(d)s" not in updated
    assert updated["Active incidents"].string == "Incidentes em andamento"
    assert not updated["Active incidents"].fuzzy
    assert read_translation(path).plural_forms == PLURAL_FORMS["pt_BR"]


# What a reader sees: text, and the attributes screen readers and tooltips read out.
_READ_ATTRIBUTES = ("aria-label", "title", "alt", "placeholder")


def _html_text(markup: str) -> str:
    return str(html.fragment_fromstring(markup, create_parent="div").text_content())


def _page_texts(data: bytes) -> Iterator[str]:
    page = html.fromstring(data)
    for hidden in page.xpath("//script|//style"):
        hidden.drop_tree()
    yield page.text_content()
    for attribute in _READ_ATTRIBUTES:
        yield from page.xpath(f"//@{attribute}")


def _feed_texts(data: bytes) -> Iterator[str]:
    feed = feedparser.parse(data)
    assert not feed.bozo, feed.bozo_exception
    yield feed.feed.get("title", "")
    yield feed.feed.get("subtitle", "")
    for entry in feed.entries:
        yield entry.title
        yield from (_html_text(content.value) for content in entry.get("content", []))
        yield _html_text(entry.get("summary", ""))


def _json_feed_texts(data: bytes) -> Iterator[str]:
    feed = json.loads(data)
    yield feed["title"]
    yield feed["description"]
    for item in feed["items"]:
        yield item["title"]
        yield _html_text(item["content_html"])


def _calendar_texts(data: bytes) -> Iterator[str]:
    calendar = Calendar.from_ical(data)
    yield str(calendar.get("x-wr-calname", ""))
    for event in calendar.walk("VEVENT"):
        yield str(event.get("summary"))
        yield str(event.get("description"))


def _badge_texts(data: bytes) -> Iterator[str]:
    badge = etree.fromstring(data)
    yield badge.get("aria-label", "")
    yield from badge.itertext()


def site_texts(out: Path) -> dict[str, list[tuple[str, str]]]:
    """What a customer reads in each file of the site (the file, a text), by kind of file. The
    JSON API is left out: it speaks Statuspage's English for the clients that match its words."""
    texts: dict[str, list[tuple[str, str]]] = {}
    for path in sorted(out.rglob("*")):
        if not path.is_file():
            continue
        rel, data = path.relative_to(out).as_posix(), path.read_bytes()
        if rel.endswith(".html"):
            kind, found = "page", _page_texts(data)
        elif rel.endswith((".atom", ".rss")):
            kind, found = "feed", _feed_texts(data)
        elif rel == "feed.json" or (rel.startswith("components/") and rel.endswith(".json")):
            kind, found = "json feed", _json_feed_texts(data)
        elif rel.endswith(".ics"):
            kind, found = "calendar", _calendar_texts(data)
        elif rel.startswith("badges/"):
            kind, found = "badge", _badge_texts(data)
        else:
            continue
        texts.setdefault(kind, []).extend((rel, " ".join(text.split())) for text in found)
    return texts


def configured_names(project: Path) -> set[str]:
    """Names the site's configuration makes, which are its words, not statusgen's: a
    maintenance policy is named after its tier and the `maintenance` key it is written under."""
    site = load_site(project)
    return {policy.name for policy in site.sla.maintenance.values()}


def readable(text: str, names: set[str]) -> str:
    """`text` without links and the configuration's names."""
    text = re.sub(r"\S+@\S+|https?://\S+", " ", text)
    for name in names:
        text = text.replace(name, " ")
    return text


def english_patterns(folder: str) -> dict[str, re.Pattern[str]]:
    """Each English message of the template that reads differently in the language of
    `folder`, as a pattern that finds any of its words between the placeholders."""
    translated = {m.id: m for m in read_translation(shipped_catalog(folder)) if m.id}
    patterns = {}
    for message in template():
        if not message.id or set(forms(translated[message.id])) == set(ids(message)):
            continue
        for english in ids(message):
            pieces = [
                piece.strip(" .,:;()—-")
                for piece in re.split(r"%\(\w+\)[a-z]", english)
                if re.search(r"[A-Za-z]{2}", piece)
            ]
            if pieces:
                alternatives = "|".join(re.escape(piece) for piece in pieces)
                patterns[english] = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")
    return patterns


def example_in(language: str, destination: Path) -> Path:
    shutil.copytree(EXAMPLE, destination)
    config = destination / "components.yaml"
    config.write_text(config.read_text().replace("language: pt-BR", f"language: {language}"))
    return destination


@pytest.mark.parametrize("language", sorted(SHIPPED))
def test_the_portuguese_example_shows_no_english_in_any_shipped_language(
    tmp_path: Path, language: str
) -> None:
    project = example_in(language, tmp_path / "example")
    report = build(project, tmp_path / "site", now=NOW)
    assert report.warnings == ()
    texts = site_texts(tmp_path / "site")
    names = configured_names(project)
    assert {kind: len(found) > 0 for kind, found in texts.items()} == dict.fromkeys(
        ("badge", "calendar", "feed", "json feed", "page"), True
    )
    english = sorted(
        {
            f"{rel}: …{match.string[max(match.start() - 30, 0) : match.end() + 30]}… <- {message!r}"
            for message, pattern in english_patterns(SHIPPED[language]).items()
            for found in texts.values()
            for rel, text in found
            for match in pattern.finditer(readable(text, names))
        }
    )
    assert english == []
    index = html.fromstring((tmp_path / "site/index.html").read_bytes())
    assert index.get("lang") == language
    assert (
        index.xpath("string(//footer//h2)")
        == {
            "pt-BR": "Precisa de ajuda?",
            "es": "¿Necesitas ayuda?",
        }[language]
    )


def test_the_words_customers_look_for(tmp_path: Path) -> None:
    words = {
        "pt-BR": ["Interrupção parcial do sistema", "Incidentes em andamento", "Identificado"],
        "es": ["Interrupción parcial del sistema", "Incidentes activos", "Identificado"],
    }
    for language, expected in words.items():
        out = tmp_path / f"site-{language}"
        build(example_in(language, tmp_path / language), out, now=NOW)
        index = " ".join(html.fromstring((out / "index.html").read_bytes()).text_content().split())
        assert all(word in index for word in expected), (language, index[:400])
        badge = etree.parse(str(out / "badges/status.svg")).getroot()
        assert (
            badge.findtext("{http://www.w3.org/2000/svg}title")
            == {
                "pt-BR": "status: interrupção parcial",
                "es": "estado: interrupción parcial",
            }[language]
        )
    api = json.loads((tmp_path / "site-es/api/v2/summary.json").read_text(encoding="utf-8"))
    assert api["status"] == {"indicator": "major", "description": "Partial System Outage"}
    assert {c["status"] for c in api["components"]} >= {"operational", "partial_outage"}


def test_calendars_speak_the_site_language(tmp_path: Path) -> None:
    build(example_in("es", tmp_path / "example"), tmp_path / "site", now=NOW)
    calendar = Calendar.from_ical((tmp_path / "site/maintenance.ics").read_bytes())
    assert str(calendar["x-wr-calname"]) == "Status da Trilha — mantenimientos"
    events = {str(e["summary"]): str(e["description"]) for e in calendar.walk("VEVENT")}
    upgrade = events["Mantenimiento: Atualização da plataforma e novo editor de missões"]
    assert "Componentes afectados: Missões e progresso, Gamificação, Espaços" in upgrade


def with_language(language: str, extra: str = "") -> str:
    return COMPONENTS.replace("timezone:", f"language: {language}\n  timezone:", 1) + extra


@pytest.mark.parametrize("language", ["xx", "pt-XX-bogus", "qq"])
def test_an_unknown_language_is_a_configuration_error(
    make_project: MakeProject, language: str
) -> None:
    project = make_project(components=with_language(language))
    with pytest.raises(BuildFailed) as failed:
        check(project, now=NOW)
    assert [str(error) for error in failed.value.errors] == [
        f"components.yaml:4: unknown language '{language}' (a language and optional region, "
        "such as 'en', 'es', 'es-MX' or 'pt-BR')"
    ]
    result = statusgen(project, "build")
    assert result.returncode == 1 and "unknown language" in result.stderr
    assert "Traceback" not in result.stderr and not (project / "site").exists()


def test_a_language_without_a_catalog_is_built_in_english_with_a_warning(
    make_project: MakeProject,
) -> None:
    project = make_project(components=with_language("de"))
    warning = (
        "statusgen: warning: components.yaml: language 'de' has no translation catalog, so "
        "the site's words are in English (shipped: en, es, pt-BR; to add one, translate "
        "statusgen.pot into locale/de/LC_MESSAGES/statusgen.po)"
    )
    for command in (["check"], ["build", "--now", "2026-11-22 12:00"]):
        result = statusgen(project, *command)
        assert result.returncode == 0, result.stderr
        assert result.stderr.strip() == warning
    index = html.fromstring((project / "site/index.html").read_bytes())
    assert index.xpath("string(//h1)").strip() == "All Systems Operational"
    assert "22 Nov. 2026" in index.text_content()  # dates follow the language ("Nov.")


@pytest.mark.parametrize("language", ["en", "en-GB", "es-MX", "pt-BR"])
def test_languages_with_a_catalog_build_without_warning(
    make_project: MakeProject, language: str
) -> None:
    report = check(make_project(components=with_language(language)), now=NOW)
    assert report.warnings == ()


def test_spanish_of_a_region_uses_the_spanish_catalog(
    make_project: MakeProject, tmp_path: Path
) -> None:
    build(make_project(components=with_language("es-MX")), tmp_path / "site", now=NOW)
    index = html.fromstring((tmp_path / "site/index.html").read_bytes())
    assert index.xpath("string(//h1)").strip() == "Todos los sistemas operativos"


GERMAN = """\
msgid ""
msgstr ""
"Language: de\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"

msgid "All Systems Operational"
msgstr "Alle Systeme betriebsbereit"

#, python-format
msgid "lasted %(d)s"
msgstr "dauerte %(d)s"
"""


def german_site(make_project: MakeProject, catalog: str | bytes, kind: str = "po") -> Path:
    return make_project(
        {f"locale/de/LC_MESSAGES/statusgen.{kind}": catalog}, components=with_language("de")
    )


def test_a_site_translates_a_language_of_its_own_with_a_po_file(
    make_project: MakeProject, tmp_path: Path
) -> None:
    project = german_site(make_project, GERMAN)
    report = build(project, tmp_path / "site", now=NOW)
    assert report.warnings == ()
    index = html.fromstring((tmp_path / "site/index.html").read_bytes())
    assert index.xpath("string(//h1)").strip() == "Alle Systeme betriebsbereit"
    assert "Components" in index.text_content()  # what the site left out stays English


def compiled(po: str) -> bytes:
    out = io.BytesIO()
    write_mo(out, read_po(io.StringIO(po)))
    return out.getvalue()


def test_a_compiled_catalog_still_works_and_a_po_beside_it_wins(
    make_project: MakeProject, tmp_path: Path
) -> None:
    project = german_site(make_project, compiled(GERMAN), kind="mo")
    build(project, tmp_path / "mo", now=NOW)
    assert "Alle Systeme betriebsbereit" in (tmp_path / "mo/index.html").read_text()
    po = GERMAN.replace("Alle Systeme betriebsbereit", "Alles in Ordnung")
    (project / "locale/de/LC_MESSAGES/statusgen.po").write_text(po, encoding="utf-8")
    build(project, tmp_path / "po", now=NOW)
    assert "Alles in Ordnung" in (tmp_path / "po/index.html").read_text()


@pytest.mark.parametrize(
    ("catalog", "expected"),
    [
        (
            GERMAN.replace('"dauerte %(d)s"', '"dauerte %(dauer)s"'),
            "locale/de/LC_MESSAGES/statusgen.po:10: the translation of 'lasted %(d)s' uses "
            "%(dauer), which its message does not have (placeholders: %(d))",
        ),
        (
            GERMAN + "Today = Heute\n",
            "locale/de/LC_MESSAGES/statusgen.po:12: not a line of a message catalog: unknown or "
            "misformatted keyword",
        ),
        (
            GERMAN + 'msgid "Today"\nmsgid "Heute"\n',
            "locale/de/LC_MESSAGES/statusgen.po:12: not a line of a message catalog: missing "
            "msgstr for msgid 'Today'",
        ),
    ],
)
def test_a_catalog_that_does_not_read_is_an_error_naming_its_line(
    make_project: MakeProject, tmp_path: Path, catalog: str, expected: str
) -> None:
    project = german_site(make_project, catalog)
    for run in (lambda: check(project, now=NOW), lambda: build(project, tmp_path / "s", now=NOW)):
        with pytest.raises(TemplateFailed) as failed:
            run()
        assert str(failed.value).startswith(expected)
    result = statusgen(project, "check")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"statusgen: {expected}")


def test_an_edited_site_catalog_shows_on_the_next_cached_build(
    make_project: MakeProject, tmp_path: Path
) -> None:
    project = german_site(make_project, GERMAN)
    build(project, project / "site", now=NOW)
    edited = GERMAN.replace("Alle Systeme betriebsbereit", "Alles läuft")
    (project / "locale/de/LC_MESSAGES/statusgen.po").write_text(edited, encoding="utf-8")
    build(project, project / "site", now=NOW)
    assert "Alles läuft" in (project / "site/index.html").read_text(encoding="utf-8")
    cold = tmp_path / "cold"
    shutil.copytree(project, cold, ignore=shutil.ignore_patterns("site", ".statusgen-cache"))
    build(cold, cold / "site", now=NOW, use_cache=False)

    def files(out: Path) -> dict[str, bytes]:
        return {
            p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()
        }

    assert files(project / "site") == files(cold / "site")


MAINTENANCE = incident(
    """
    type: maintenance
    title: Upgrade
    components: [db]
    scheduled_start: 2026-11-28 00:00
    scheduled_end: 2026-11-28 02:00
    """,
    "",
)


# What `new incident`, `resolve` (of an incident, of a maintenance) and `new maintenance` post
# when given no message.
DEFAULT_MESSAGES = {
    "en": [
        "We are investigating this issue.",
        "This incident has been resolved.",
        "The maintenance has been completed.",
        "Maintenance is scheduled for this window.",
    ],
    "pt-BR": [
        "Estamos investigando o problema.",
        "Este incidente foi resolvido.",
        "A manutenção foi concluída.",
        "Uma manutenção está programada para este período.",
    ],
    "es": [
        "Estamos investigando el problema.",
        "Este incidente se ha resuelto.",
        "El mantenimiento ha finalizado.",
        "Hay un mantenimiento programado para este período.",
    ],
}


@pytest.mark.parametrize("language", sorted(DEFAULT_MESSAGES))
def test_the_commands_default_messages_are_in_the_site_language(
    make_project: MakeProject, language: str
) -> None:
    investigating, resolved, completed, scheduled = DEFAULT_MESSAGES[language]
    project = make_project(
        {"incidents/upgrade.md": MAINTENANCE}, components=with_language(language)
    )
    opened = statusgen(project, "-q", "new", "incident", "Down", "--impact", "major", "-c", "api")
    assert opened.returncode == 0, opened.stderr
    path = project / opened.stdout.strip()
    assert path.read_text(encoding="utf-8").splitlines()[-1] == investigating
    assert statusgen(project, "resolve", path.stem).returncode == 0
    assert resolved in path.read_text(encoding="utf-8")
    assert statusgen(project, "resolve", "upgrade").returncode == 0
    assert completed in (project / "incidents/upgrade.md").read_text(encoding="utf-8")
    announced = statusgen(
        project, "-q", "new", "maintenance", "Move", "--start", "2030-01-05 01:00",
        "--end", "2030-01-05 02:00",
    )  # fmt: skip
    assert announced.returncode == 0, announced.stderr
    written = (project / announced.stdout.strip()).read_text(encoding="utf-8")
    assert written.splitlines()[-1] == scheduled
    assert statusgen(project, "check").returncode == 0


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.read().decode())
    except urllib.error.HTTPError as error:
        return str(error.read().decode())


def test_the_preview_banner_speaks_the_site_language(make_project: MakeProject) -> None:
    project = make_project(components=with_language("pt-BR"))
    process = subprocess.Popen(
        [sys.executable, "-m", "statusgen", "-C", str(project), "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = ""
        while "Serving" not in line:
            line = process.stdout.readline()
            assert line
        base = re.search(r"http://127\.0\.0\.1:\d+/", line).group(0)  # type: ignore[union-attr]
        (project / "incidents/bad.md").write_text("---\ntitle: x\n---\n")
        deadline = time.monotonic() + 15
        while not json.loads(fetch(base + "__statusgen/state"))["errors"]:
            assert time.monotonic() < deadline, "the change was not built"
            time.sleep(0.1)
        banner = html.fromstring(fetch(base)).xpath("string(//*[@id='statusgen-errors']/strong)")
        assert banner == "A última alteração tem erros; exibindo a última versão que funcionou."
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=60)
