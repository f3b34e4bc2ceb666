"""components.yaml: the site's settings, its components and its SLA configuration."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from statusgen.errors import SourceError, SourceRef
from statusgen.load.files import decode_text, read_regular_file
from statusgen.load.holidays import HolidaysReader, read_holidays
from statusgen.load.nodes import (
    ID_PATTERN,
    MAX_ID,
    Located,
    check_keys,
    located_text,
    parse_yaml,
    suggest,
)
from statusgen.load.notifications import load_notifications
from statusgen.load.priority import Attributes, attribute_value, load_attributes
from statusgen.load.sla import load_sla
from statusgen.model.colour import HEX_COLOUR, Accent
from statusgen.model.content import (
    DEFAULT_UPTIME_WEIGHTS,
    Asset,
    Component,
    ComponentStatus,
    Group,
    SiteInfo,
    UptimeConfig,
)
from statusgen.model.notifications import NotificationSettings
from statusgen.model.sla import SlaConfig

CONFIG_FILE = "components.yaml"


TOP_KEYS = (
    "site",
    "groups",
    "attributes",
    "uptime",
    "calendars",
    "priorities",
    "policies",
    "sla",
    "plans",
    "notifications",
)


UPTIME_KEYS = ("days", "weights")


WEIGHTED_STATUSES = tuple(s.value for s in DEFAULT_UPTIME_WEIGHTS)


SITE_KEYS = ("title", "url", "timezone", "description", "language", "logo", "favicon", "accent")


# The images a site may publish as its logo or favicon: extension -> media type, and how such a
# file starts (an SVG is text: its root element is looked for instead).
IMAGE_TYPES = {
    "svg": ("image/svg+xml", ()),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "webp": ("image/webp", (b"RIFF",)),
    "gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    "ico": ("image/x-icon", (b"\x00\x00\x01\x00",)),
}
LOGO_TYPES = ("svg", "png", "jpg", "jpeg", "webp", "gif")
FAVICON_TYPES = ("svg", "png", "ico")


_SVG_ROOT = re.compile(rb"<svg[\s>]")


GROUP_KEYS = ("name", "components")


COMPONENT_KEYS = ("id", "name", "description", "tier", "attributes")


_LANGUAGE = re.compile(r"[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*")


_UTC = ZoneInfo("UTC")


@dataclass(frozen=True, slots=True)
class Config:
    info: SiteInfo
    groups: tuple[Group, ...]
    sla: SlaConfig
    uptime: UptimeConfig
    notifications: NotificationSettings = field(default_factory=NotificationSettings)


def load_config(
    project: Path, errors: list[SourceError], holidays: HolidaysReader = read_holidays
) -> Config:
    """Read components.yaml, appending every mistake to `errors`.

    Returns the best configuration it could read, so incidents can still be checked."""
    fallback = Config(
        SiteInfo("Status", "https://example.invalid/", _UTC, "", "en"),
        (),
        SlaConfig(),
        UptimeConfig(),
    )
    path = project / CONFIG_FILE
    if not path.exists():
        errors.append(
            SourceError(
                SourceRef(CONFIG_FILE, 1),
                "file not found (not a status page yet? 'statusgen init' starts one here; "
                "-C names the folder of another)",
            )
        )
        return fallback
    try:
        text = decode_text(read_regular_file(path, CONFIG_FILE), CONFIG_FILE)
        doc = parse_yaml(text, CONFIG_FILE, 1, errors)
    except SourceError as exc:
        errors.append(exc)
        return fallback
    if doc is None or not doc.is_mapping:
        errors.append(
            SourceError(SourceRef(CONFIG_FILE, 1), "expected a mapping with 'site' and 'groups'")
        )
        return fallback
    errors.extend(check_keys(doc, TOP_KEYS, "top-level"))
    fields = doc.fields()
    info = _site_info(project, doc, fields.get("site"), errors) or fallback.info
    attributes = load_attributes(fields.get("attributes"), errors)
    groups = _groups(doc, fields.get("groups"), attributes, errors)
    uptime = _uptime(fields["uptime"], errors) if "uptime" in fields else UptimeConfig()
    sla = load_sla(fields, info.timezone, errors, holidays, attributes)
    notifications = NotificationSettings()
    if "notifications" in fields:
        known = {c.id: c for group in groups for c in group.components}
        notifications = load_notifications(fields["notifications"], known, errors)
    return Config(info, groups, sla, uptime, notifications)


def _uptime(node: Located, errors: list[SourceError]) -> UptimeConfig:
    """`uptime: {days: 90, weights: {major_outage: 1, partial_outage: 0.3, ...}}`."""
    default = UptimeConfig()
    if not node.is_mapping:
        errors.append(node.error("'uptime' must be a mapping of days and weights"))
        return default
    errors.extend(check_keys(node, UPTIME_KEYS, "uptime"))
    fields = node.fields()
    days = default.days
    if "days" in fields:
        value = fields["days"].value
        # 90.0 is a whole number too, as JSON Schema's "integer" (and so an editor) reads it.
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 366:
            days = value
        else:
            errors.append(
                fields["days"].error(f"uptime days '{value}' must be a whole number from 1 to 366")
            )
    weights = dict(default.weights)
    if "weights" in fields:
        given = fields["weights"]
        if not given.is_mapping:
            errors.append(
                given.error(f"uptime weights must map {', '.join(WEIGHTED_STATUSES)} to a number")
            )
            return UptimeConfig(days, weights)
        errors.extend(check_keys(given, WEIGHTED_STATUSES, "uptime weight"))
        for key, value in given.items():
            name, number = str(key.value), value.value
            if name not in WEIGHTED_STATUSES:
                continue
            if (
                isinstance(number, int | float)
                and not isinstance(number, bool)
                and 0 <= number <= 1
            ):
                weights[ComponentStatus(name)] = float(number)
            else:
                errors.append(
                    value.error(f"uptime weight of {name} '{number}' must be a number from 0 to 1")
                )
    return UptimeConfig(days, weights)


def _texts(
    node: Located, required: tuple[str, ...], optional: tuple[str, ...], errors: list[SourceError]
) -> dict[str, str]:
    """The text values of these keys of a mapping; a missing required key is an error."""
    fields = node.fields()
    values: dict[str, str] = {}
    for name in (*required, *optional):
        if name not in fields:
            if name in required:
                errors.append(node.error(f"site: missing '{name}'"))
            continue
        try:
            values[name] = located_text(fields[name], name)
        except SourceError as exc:
            errors.append(exc)
    return values


# Files of a zone folder that name no place: the machine's own zone ("localtime" differs from a
# laptop to CI), a legacy rule file, or a variant tree of every zone.
_NOT_ZONES = re.compile(r"localtime|posixrules|Factory|(posix|right)/.*", re.IGNORECASE)


def named_zone(name: str) -> ZoneInfo:
    """The IANA time zone `name`; ZoneInfoNotFoundError for any other name, including the
    files of a zone folder that are not zones the same everywhere."""
    if _NOT_ZONES.fullmatch(name):
        raise ZoneInfoNotFoundError(name)
    return ZoneInfo(name)


def _timezone(node: Located, name: str, errors: list[SourceError]) -> ZoneInfo:
    try:
        return named_zone(name)
    except (ZoneInfoNotFoundError, ValueError):
        errors.append(
            node.error(
                f"unknown time zone '{name}' (an IANA name such as "
                "'Europe/Lisbon', 'America/Sao_Paulo' or 'UTC')"
            )
        )
        return _UTC


def _site_info(
    project: Path, doc: Located, site: Located | None, errors: list[SourceError]
) -> SiteInfo | None:
    if site is None:
        errors.append(doc.error("missing 'site' (title, url, timezone)"))
        return None
    if not site.is_mapping:
        errors.append(site.error("'site' must be a mapping of title, url, timezone, ..."))
        return None
    errors.extend(check_keys(site, SITE_KEYS, "site"))
    fields = site.fields()
    before = len(errors)
    optional: tuple[str, ...] = ("description", "language", "logo", "favicon", "accent")
    if "accent" in fields and fields["accent"].value is None:
        # `accent: #0b57d0` unquoted reads as an empty value followed by a comment.
        errors.append(
            fields["accent"].error(
                'site accent is empty (quote the colour: "#0b57d0"; an unquoted # starts a comment)'
            )
        )
        optional = optional[:-1]
    values = _texts(site, ("title", "url", "timezone"), optional, errors)
    url = values.get("url", "")
    if url and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", url):
        errors.append(
            fields["url"].error(
                f"site url '{url}' must be absolute (https://host/path/)"
                if not {"?", "#"} & set(url)
                else f"site url '{url}' has a query or a fragment (the address the site is "
                "served from: https://host/path/)"
            )
        )
    timezone = (
        _timezone(fields["timezone"], values["timezone"], errors) if "timezone" in values else _UTC
    )
    language = values.get("language", "en")
    if not _LANGUAGE.fullmatch(language):
        errors.append(
            fields["language"].error(f"language '{language}' is not a tag like 'en' or 'pt-BR'")
        )
    elif not _known_language(language):
        errors.append(
            fields["language"].error(
                f"unknown language '{language}' (a language and optional region, such as "
                "'en', 'es', 'es-MX' or 'pt-BR')"
            )
        )
    logo, favicon = (
        _image(project, fields[key], key, values[key], allowed, errors) if key in values else None
        for key, allowed in (("logo", LOGO_TYPES), ("favicon", FAVICON_TYPES))
    )
    accent = _accent(fields["accent"], values["accent"], errors) if "accent" in values else None
    if len(errors) > before:
        return None
    return SiteInfo(
        title=values["title"],
        url=url if url.endswith("/") else url + "/",
        timezone=timezone,
        description=values.get("description", ""),
        language=language,
        logo=logo,
        favicon=favicon,
        accent=accent,
    )


def _image(
    project: Path,
    field: Located,
    key: str,
    name: str,
    allowed: tuple[str, ...],
    errors: list[SourceError],
) -> Asset | None:
    """The image file `name` of the project, published as brand/<key>.<extension>."""
    kinds = ", ".join(f".{kind}" for kind in allowed)
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    relative = Path(name)
    path = project / relative
    if relative.is_absolute() or ".." in relative.parts:
        errors.append(field.error(f"site {key} '{name}' must be a path inside the project"))
        return None
    if extension not in allowed:
        errors.append(field.error(f"site {key} '{name}' must be an image of type {kinds}"))
        return None
    if not path.exists():
        errors.append(
            field.error(f"site {key} '{name}' not found (a path relative to {CONFIG_FILE})")
        )
        return None
    if path.is_dir():
        errors.append(field.error(f"site {key} '{name}' is a folder (name an image file)"))
        return None
    try:
        data = read_regular_file(path, name)
    except SourceError as exc:
        errors.append(field.error(f"site {key} '{name}' {exc.message}"))
        return None
    media_type, starts = IMAGE_TYPES[extension]
    looks_right = data.startswith(starts) if starts else _SVG_ROOT.search(data[:4096]) is not None
    if extension == "webp":
        looks_right = looks_right and data[8:12] == b"WEBP"
    if not looks_right:
        errors.append(
            field.error(
                f"site {key} '{name}' is not a {media_type.partition('/')[2].upper()} image "
                f"(its content does not match its extension; allowed: {kinds})"
            )
        )
        return None
    return Asset(f"brand/{key}.{extension}", media_type, data)


def _accent(field: Located, colour: str, errors: list[SourceError]) -> Accent | None:
    if not HEX_COLOUR.fullmatch(colour):
        errors.append(
            field.error(
                f"site accent '{colour}' is not a colour like \"#0b57d0\" (# and six hex digits, in quotes)"
            )
        )
        return None
    return Accent.of(colour)


def _known_language(language: str) -> bool:
    """Whether dates and numbers can be written in `language` (translations are looked for
    when the site is drawn; a language without one is warned about then)."""
    from babel import Locale, UnknownLocaleError  # here: loading alone seldom needs babel

    try:
        Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return False
    return True


def _groups(
    doc: Located, groups: Located | None, attributes: Attributes, errors: list[SourceError]
) -> tuple[Group, ...]:
    if groups is None:
        errors.append(doc.error("missing 'groups' (a list of component groups)"))
        return ()
    if not groups.is_sequence:
        errors.append(groups.error("'groups' must be a list of {name, components}"))
        return ()
    seen: dict[str, SourceRef] = {}
    result = []
    for group in groups.elements():
        if not group.is_mapping:
            errors.append(group.error("a group must be a mapping with 'name' and 'components'"))
            continue
        errors.extend(check_keys(group, GROUP_KEYS, "group"))
        fields = group.fields()
        try:
            name = located_text(fields["name"], "name") if "name" in fields else ""
        except SourceError as exc:
            errors.append(exc)
            continue
        if not name:
            errors.append(group.error("group: missing 'name'"))
            continue
        members = fields.get("components")
        if members is None or not members.is_sequence or not members.elements():
            errors.append(
                (members or group).error(f"group '{name}': 'components' must be a non-empty list")
            )
            continue
        components = []
        for entry in members.elements():
            component = _component(entry, name, seen, attributes, errors)
            if component:
                components.append(component)
        result.append(Group(name, tuple(components)))
    return tuple(result)


def _component(
    entry: Located,
    group: str,
    seen: dict[str, SourceRef],
    attributes: Attributes,
    errors: list[SourceError],
) -> Component | None:
    if not entry.is_mapping:
        errors.append(entry.error("a component must be a mapping with 'id' and 'name'"))
        return None
    errors.extend(check_keys(entry, COMPONENT_KEYS, "component"))
    fields = entry.fields()
    own = _attributes(fields["attributes"], attributes, errors) if "attributes" in fields else ()
    for name in ("id", "name"):
        if name not in fields:
            errors.append(entry.error(f"component: missing '{name}'"))
            return None
    try:
        cid = located_text(fields["id"], "id")
        name = located_text(fields["name"], "name")
        description = (
            located_text(fields["description"], "description") if "description" in fields else ""
        )
        tier = located_text(fields["tier"], "tier") if "tier" in fields else "default"
    except SourceError as exc:
        errors.append(exc)
        return None
    if not ID_PATTERN.fullmatch(cid):
        errors.append(fields["id"].error(f"component id '{cid}' may use only a-z, 0-9 and '-'"))
        return None
    if len(cid) > MAX_ID:
        errors.append(
            fields["id"].error(
                f"component id is too long ({len(cid)} characters; at most {MAX_ID})"
            )
        )
        return None
    if cid.startswith("group-"):
        errors.append(
            fields["id"].error(
                f"component id '{cid}' may not start with 'group-' (used for groups)"
            )
        )
        return None
    if cid in seen:
        errors.append(
            fields["id"].error(f"duplicate component id '{cid}' (first at line {seen[cid].line})")
        )
        return None
    seen[cid] = fields["id"].where
    return Component(cid, name, description, tier, group, own, fields["id"].where.line)


def _attributes(
    node: Located, attributes: Attributes, errors: list[SourceError]
) -> tuple[tuple[str, str], ...]:
    """`attributes: {environment: test}`: the component's value of attributes the site
    declares, in the order declared."""
    declared = ", ".join(attributes) or "none yet"
    if not node.is_mapping:
        errors.append(
            node.error(
                "a component's 'attributes' must map attributes to values, such as "
                f"{{environment: test}} (declared under the top-level 'attributes': {declared})"
            )
        )
        return ()
    given: dict[str, str] = {}
    for key, value in node.items():
        name = str(key.value)
        if name not in attributes:
            close = suggest(name, attributes)
            errors.append(
                key.error(
                    f"unknown attribute '{name}'{close if 'did you mean' in close else ''} "
                    f"(declared under the top-level 'attributes': {declared}; declare an "
                    "attribute there first, with its values)"
                )
            )
            continue
        try:
            given[name] = attribute_value(value, f"{name} value", attributes[name])
        except SourceError as exc:
            errors.append(exc)
    return tuple((name, given[name]) for name in attributes if name in given)


def unknown_component(field: Located, cid: str, known: dict[str, Component]) -> SourceError:
    return field.error(f"unknown component '{cid}'{suggest(cid, known)}")
