"""`statusgen init`: a ready status repository — a commented components.yaml, one resolved
example incident, .gitignore, pre-commit, the publish and check workflows (using statusgen's
GitHub Action at this version) and a short README. It never replaces a file."""

from __future__ import annotations

import importlib.resources
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from string import Template
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from statusgen import __version__
from statusgen.authoring.text import unprintable, yaml_text
from statusgen.errors import StatusgenError
from statusgen.load.config import named_zone

REPOSITORY = "https://github.com/statusgen/statusgen"
RAW_FILES = REPOSITORY.replace("https://github.com/", "https://raw.githubusercontent.com/")
ACTION = "statusgen/statusgen"  # the action's address: this repository
LANGUAGES = ("en", "pt-BR", "es")  # those statusgen ships a catalog for

# The words of the starter content customers read, in each shipped language.
_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "description": "Live status of our services, their incidents and scheduled maintenance.",
        "group_product": "Product",
        "group_support": "Customer communication",
        "component_website": "Website",
        "component_api": "Public API",
        "component_notifications": "E-mail notifications",
        "calendar_label": "business hours",
        "label_urgent": "Urgent",
        "label_high": "High",
        "label_normal": "Normal",
        "label_low": "Low",
        "label_maintenance": "Planned maintenance",
        "incident_title": "Example: slow page loads",
        "incident_investigating": "Pages load slowly for some customers. We are looking into it.",
        "incident_resolved": "Pages load normally again. (An example: delete this file when you "
        "post your first incident.)",
    },
    "pt-BR": {
        "description": "Status dos nossos serviços, seus incidentes e manutenções programadas.",
        "group_product": "Produto",
        "group_support": "Comunicação com clientes",
        "component_website": "Site",
        "component_api": "API pública",
        "component_notifications": "Notificações por e-mail",
        "calendar_label": "horário comercial",
        "label_urgent": "Urgente",
        "label_high": "Alta",
        "label_normal": "Normal",
        "label_low": "Baixa",
        "label_maintenance": "Manutenção programada",
        "incident_title": "Exemplo: páginas lentas",
        "incident_investigating": "As páginas estão lentas para alguns clientes. Estamos "
        "investigando.",
        "incident_resolved": "As páginas voltaram ao normal. (Um exemplo: apague este arquivo ao "
        "publicar seu primeiro incidente.)",
    },
    "es": {
        "description": "Estado de nuestros servicios, sus incidentes y mantenimientos programados.",
        "group_product": "Producto",
        "group_support": "Comunicación con clientes",
        "component_website": "Sitio web",
        "component_api": "API pública",
        "component_notifications": "Notificaciones por correo",
        "calendar_label": "horario laboral",
        "label_urgent": "Urgente",
        "label_high": "Alta",
        "label_normal": "Normal",
        "label_low": "Baja",
        "label_maintenance": "Mantenimiento programado",
        "incident_title": "Ejemplo: páginas lentas",
        "incident_investigating": "Las páginas cargan lento para algunos clientes. Estamos "
        "investigando.",
        "incident_resolved": "Las páginas cargan con normalidad. (Un ejemplo: borra este archivo "
        "cuando publiques tu primer incidente.)",
    },
}


_MARKDOWN = ("incident_investigating", "incident_resolved")


@dataclass(frozen=True, slots=True)
class Answers:
    title: str
    url: str
    timezone: str
    language: str


@dataclass(frozen=True, slots=True)
class Written:
    made: tuple[str, ...]  # paths, relative to the folder
    kept: tuple[str, ...]  # already there: left as they were
    gitignore_extended: bool


DEFAULTS = Answers("Example Status", "https://example.github.io/status/", "UTC", "en")


def check_answers(answers: Answers) -> list[str]:
    """What is wrong with each answer (empty when all is well), as `--option: problem (allowed)`."""
    problems = []
    if not answers.title.strip() or any(unprintable(c) for c in answers.title):
        problems.append(
            "--title: a title is one line of text, not empty, without control characters"
        )
    if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?/", answers.url):
        problems.append(
            f"--url: '{answers.url}' is not the address the site is served from "
            "(http:// or https://, no query or fragment, ending with /, e.g. "
            "https://status.example.com/)"
        )
    try:
        named_zone(answers.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(
            f"--timezone: unknown time zone '{answers.timezone}' (an IANA name, e.g. "
            "America/Sao_Paulo, Europe/Lisbon, UTC)"
        )
    if words_language(answers.language) is None:
        problems.append(
            f"--language: '{answers.language}' has no catalog shipped with statusgen (allowed: "
            f"{', '.join(LANGUAGES)}, or a regional form of en or es such as en-GB or es-MX; "
            "another language can be added later, see the README)"
        )
    return problems


def shipped_language(typed: str) -> str:
    """`typed` as statusgen spells a language tag ("pt_br" → "pt-BR", "es_mx" → "es-MX")."""
    parts = typed.replace("_", "-").split("-")
    if not all(part.isalnum() for part in parts):
        return typed
    spelled = "-".join([parts[0].lower(), *(p.upper() if len(p) == 2 else p for p in parts[1:])])
    return next(
        (language for language in LANGUAGES if language.lower() == spelled.lower()), spelled
    )


def words_language(language: str) -> str | None:
    """The shipped language a site in `language` reads: the same, or for a regional form the
    language alone (es-MX reads es), as the site's catalogs are looked up; None if none is, or
    if `language` is no language dates and numbers can be written in."""
    from babel import Locale, UnknownLocaleError  # here: only init needs it

    try:
        Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return None
    if language in LANGUAGES:
        return language
    base = language.split("-")[0]
    return base if base in LANGUAGES else None


def ask(defaults: Answers, prompt: Callable[[str], str]) -> Answers:
    """The answers of someone at a terminal, each with its default (Enter keeps it)."""

    def question(text: str, default: str) -> str:
        return prompt(f"{text} [{default}]: ").strip() or default

    title = question("Title of the status page", defaults.title)
    url = question("Address it will be published at", defaults.url)
    timezone = question("Time zone", defaults.timezone)
    language = question(f"Language ({', '.join(LANGUAGES)})", defaults.language)
    return Answers(title, url, timezone, language)


def write_starter(folder: Path, answers: Answers, now: datetime) -> Written:
    """Write the starter repository into `folder` (made if missing); files already there are
    kept as they are, but for .gitignore, which gets the lines it lacks."""
    problems = check_answers(answers)
    if problems:
        raise StatusgenError("\n".join(["the answers cannot make a site:", *problems]))
    if folder.exists() and not folder.is_dir():
        raise StatusgenError(f"{folder} is a file, not a folder; nothing was written")
    zone = ZoneInfo(answers.timezone)
    country = _holiday_country(answers.timezone)
    local_now = now.astimezone(zone).replace(second=0, microsecond=0)
    started = local_now - timedelta(hours=3)
    language = words_language(answers.language)
    assert language is not None, "check_answers refuses a language without words"
    words = _WORDS[language]
    values = {
        # The Markdown of the example's updates as it is; every other word is a YAML value.
        **{key: text if key in _MARKDOWN else yaml_text(text) for key, text in words.items()},
        "title": yaml_text(answers.title),
        "url": answers.url,
        "timezone": answers.timezone,
        "language": answers.language,
        "country": country or "XX",
        "repository": REPOSITORY,
        "action": ACTION,
        "version": __version__,
        # Editors read the schema of the statusgen the repository installs, at its tag.
        "schemas": f"{RAW_FILES}/v{__version__}/statusgen/schemas",
        "started": f"{started:%Y-%m-%d %H:%M}",
        "investigating": f"{started + timedelta(minutes=10):%Y-%m-%d %H:%M}",
        "resolved": f"{started + timedelta(hours=1, minutes=40):%Y-%m-%d %H:%M}",
    }
    example = f"incidents/{started:%Y}/{started:%Y-%m-%d}-example.md"
    files = {
        "components.yaml": "components.yaml.in",
        example: "example-incident.md.in",
        ".pre-commit-config.yaml": "pre-commit-config.yaml.in",
        ".github/workflows/publish.yml": "publish.yml.in",
        ".github/workflows/check.yml": "check.yml.in",
        "README.md": "README.md.in",
    }
    in_the_way = [
        rel
        for rel in [*files, ".gitignore"]
        if ((folder / rel).is_symlink() and not (folder / rel).exists())
        or ((folder / rel).exists() and not (folder / rel).is_file())
        or any(parent.exists() and not parent.is_dir() for parent in (folder / rel).parents)
    ]
    if in_the_way:
        raise StatusgenError(
            "nothing was written: "
            + "; ".join(
                f"{folder / rel} is in the way (not a file, or under one)" for rel in in_the_way
            )
        )
    if (folder / "components.yaml").exists():  # the site's own components: no example for them
        del files[example]
    made, kept = [], []
    for rel, source in files.items():
        text = Template(_starter_text(source)).substitute(values)
        if rel == "components.yaml" and country is None:  # left for the user to name
            text = text.replace(
                "    holidays: {country: XX}   # public holidays from the `holidays` package",
                "    # holidays: {country: XX}   # public holidays: your country's ISO code",
            )
        if _write_new(folder / rel, text):
            made.append(rel)
        else:
            kept.append(rel)
    extended = _extend_gitignore(folder / ".gitignore", _starter_text("gitignore.in"))
    if extended == "made":
        made.insert(0, ".gitignore")
    return Written(tuple(made), tuple(kept), extended == "extended")


def _starter_text(name: str) -> str:
    return importlib.resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


def _write_new(path: Path, text: str) -> bool:
    """Write `path` unless something is there already (never replaced): whether it was written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "x", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
    except FileExistsError:
        return False
    return True


def _extend_gitignore(path: Path, wanted: str) -> str:
    """ "made", "extended" (the lines it lacked appended) or "" (it had them all)."""
    if _write_new(path, wanted):
        return "made"
    try:
        present = {
            line.strip().strip("/") for line in path.read_text(encoding="utf-8").splitlines()
        }
    except UnicodeDecodeError:  # not text statusgen can add to: left as it is
        return ""
    missing = [
        line for line in wanted.splitlines() if line and not line.startswith("#")
        and line.strip("/") not in present
    ]  # fmt: skip
    if not missing:
        return ""
    with open(path, "a", encoding="utf-8", newline="\n") as stream:
        existing = path.read_bytes()
        stream.write("" if existing.endswith(b"\n") or not existing else "\n")
        stream.write("# Built by statusgen: made again on every build.\n")
        stream.write("".join(f"{line}\n" for line in missing))
    return "extended"


def _holiday_country(timezone: str) -> str | None:
    """The country whose public holidays a business calendar in `timezone` most likely follows
    (from the time zone database's own table; an alias such as US/Eastern is followed to the
    zone it names), if the `holidays` package knows it."""
    zoneinfo = importlib.resources.files("tzdata").joinpath("zoneinfo")
    # "L America/New_York US/Eastern": a link, from its name to the zone it stands for.
    links: dict[str, str] = {}
    for line in zoneinfo.joinpath("tzdata.zi").read_text().splitlines():
        if line.startswith("L "):
            _, target, name = line.split()[:3]
            links[name] = target
    countries = {
        fields[2]: fields[0]
        for fields in (
            line.split("\t") for line in zoneinfo.joinpath("zone.tab").read_text().splitlines()
        )
        if len(fields) >= 3 and not fields[0].startswith("#")
    }
    for _ in range(len(links) + 1):  # a chain of links ends at a zone; no loop runs for ever
        if timezone in countries or timezone not in links:
            break
        timezone = links[timezone]
    country = countries.get(timezone)
    if country is None:
        return None
    import holidays  # only here: it is large

    return country if country in holidays.list_supported_countries() else None


def local_zone() -> str:
    """This machine's time zone by its IANA name, as a default to offer ("UTC" if unknown)."""
    named = os.environ.get("TZ", "").lstrip(":")
    if not named:
        try:
            target = os.readlink("/etc/localtime")
        except OSError:
            return "UTC"
        named = target.partition("zoneinfo/")[2]
    try:
        ZoneInfo(named)
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return named
