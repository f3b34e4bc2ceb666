"""Jinja environment, filters, Markdown → safe HTML, and the HTML pages of the site."""

from __future__ import annotations

import functools
import gettext
import math
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from functools import partial
from importlib import resources
from pathlib import Path
from types import CodeType
from typing import Any, ClassVar, TypedDict, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import jinja2
from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.numbers import format_percent
from markupsafe import Markup, escape

from .cache import Signatures
from .compute import Computed
from .errors import StatusgenError, TemplateFailed
from .i18n import ConstantLabels, load_translations, memoize_gettext, translations_digest
from .markup import render_markdown
from .model import Component, Group, IncidentState, Site, SiteInfo, Snapshot
from .output import Output
from .policy import Target
from .sla import Annotation, Deadline
from .uptime import Uptime

HISTORY_PAGE_SIZE = 50
_UTC = ZoneInfo("UTC")
T = TypeVar("T")


class PageContext(TypedDict):
    """What every template receives (pages add their own keys)."""

    site: SiteInfo
    groups: tuple[Group, ...]
    snapshot: Snapshot
    root: str  # relative path from the page to the site root, "" or "../"
    page_path: str
    canonical_url: str


@dataclass(frozen=True, slots=True)
class UptimeCell:
    css: str  # the worst status of the day, or "nodata"
    day: str  # ISO date, for the link to the day's row
    label: str  # the date, in the site's language
    text: str  # "99.95% available"
    lines: tuple[str, ...]  # the incidents of the day, with the status they gave


@dataclass(frozen=True, slots=True)
class Page:
    """One slice of a paginated list."""

    number: int
    count: int
    items: tuple[Any, ...]
    path: str
    previous_path: str | None
    next_path: str | None


def make_env(project: Path, site: SiteInfo, bytecode: Path | None = None) -> jinja2.Environment:
    """The template environment: the site's templates/ first, then the bundled default theme.

    With `bytecode`, compiled templates are kept in that folder for the next build."""
    theme = jinja2.FileSystemLoader(str(resources.files("statusgen") / "theme" / "templates"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [
                jinja2.FileSystemLoader(str(project / "templates")),
                theme,
                jinja2.PrefixLoader({"default": theme}),
            ]
        ),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n", ConstantLabels],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # an environment lasts one build; the preview makes a new one
    )
    translations = load_translations(project, site.language)
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    env.constant_label_translations = translations  # type: ignore[attr-defined]
    # Compiled templates hold translated labels: they are kept per catalog.
    catalog = translations_digest(translations)[:16]
    if bytecode is not None:
        env.bytecode_cache = _bytecode_cache(bytecode, catalog)
    else:
        env.bytecode_cache = _CompiledInProcess(catalog)
    register_filters(env, site, translations)
    # The theme's partials are there to be replaced and are empty until they are: an include
    # costs a tenth of a small page, so base.html skips the ones that would print nothing.
    env.globals["empty_partials"] = {
        name for name in (_CUSTOM_HEAD, _CUSTOM_FOOTER) if _prints_nothing(env, name)
    }
    memoize_macros(env)
    memoize_gettext(env)
    return env


_CUSTOM_HEAD = "partials/custom_head.html"
_CUSTOM_FOOTER = "partials/custom_footer.html"


def _prints_nothing(env: jinja2.Environment, name: str) -> bool:
    """Whether the template has no content at all (only comments, say)."""
    try:
        source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
        return not env.parse(source).body
    except jinja2.TemplateError:  # missing or broken: the include says so when it runs
        return False


_PAGE_TEMPLATES = (
    "index.html", "incident.html", "component.html", "history.html", "sla.html", "404.html",
    "feed_entry.html",
)  # fmt: skip


def compile_templates(env: jinja2.Environment) -> None:
    """Compile the templates now, once, rather than in each rendering process: every one the
    theme and the site have (and the theme's version of each the site replaces, which the
    site's may extend). Only a page template's error stops the build here; any other template
    reports its errors if a page uses it."""
    own = env.loader.loaders[0].list_templates()  # type: ignore[union-attr]
    names = [n for n in env.list_templates(extensions=["html"]) if not n.startswith("default/")]
    for name in [*names, *(f"default/{n}" for n in own)]:
        try:
            env.get_template(name)
        except jinja2.TemplateError as error:
            if name in _PAGE_TEMPLATES:
                raise template_failure(error, name, "while compiling it") from None


def memoize_macros(env: jinja2.Environment) -> None:
    """Render each macro of macros.html once per distinct argument list.

    The macros take everything they show as arguments, so a status badge or an incident row is
    the same wherever it appears; thousands of pages would otherwise render it again each time.
    Every template that imports macros.html shares one module object, so wrapping its macros
    here covers them all. The theme's templates reach it as the global `m` (an import per page
    costs more than some pages' content)."""
    labels = _Labels()
    env.globals["labels"] = labels  # the module's own context copies the globals: set it first
    try:
        module = env.get_template("macros.html").module
    except StatusgenError:
        raise
    except Exception as error:  # its top-level code runs here, and a site's may fail
        raise template_failure(error, "macros.html", "while compiling it") from None
    for name, value in list(vars(module).items()):
        if isinstance(value, jinja2.runtime.Macro):
            setattr(module, name, _memoized(value))
    labels.module = module
    env.globals["m"] = module


class _Labels:
    """The memoized macros of macros.html, reachable from inside that file as `labels`."""

    module: Any = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.module, name)


# Macros given objects that show on many pages (an incident's row is on its components' pages
# and in the history), worth keeping by the objects' identity. Any other macro is kept only when
# its arguments are plain values: kept per object, one result per incident would pile up unused.
_SHOWN_ON_MANY_PAGES = frozenset({"incident_row", "uptime_bar"})
_PLAIN = (str, int, float, bool, type(None))


def _memoized(macro: jinja2.runtime.Macro) -> Callable[..., Any]:
    cache: dict[tuple[Any, ...], tuple[Any, tuple[Any, ...]]] = {}
    by_identity = macro.name in _SHOWN_ON_MANY_PAGES

    def key_of(value: Any) -> Any:
        if type(value) in _PLAIN or isinstance(value, Enum):
            return value
        if not by_identity:
            raise _NotKept
        # Keyed by identity; the cache keeps the objects alive, so no id is ever reused.
        return id(value)

    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            key = tuple(map(key_of, args))
            if kwargs:
                key += tuple((k, key_of(v)) for k, v in sorted(kwargs.items()))
        except _NotKept:
            return macro(*args, **kwargs)
        hit = cache.get(key)
        if hit is None:
            hit = cache[key] = (macro(*args, **kwargs), (args, kwargs))
        return hit[0]

    return call


class _NotKept(Exception):
    """An argument that makes a macro's result not worth keeping."""


class _CompiledInProcess(jinja2.BytecodeCache):
    """Templates compiled by earlier builds of this process (the theme's, mostly), reused while
    their source is unchanged: a build without a cache folder would otherwise compile every
    template again, most of a small site's build."""

    _LIMIT = 256  # templates; a long-lived process sees the same few again and again
    _kept: ClassVar[dict[tuple[str, str], tuple[str, CodeType]]] = {}

    def __init__(self, catalog: str) -> None:
        self.catalog = catalog

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        found = self._kept.get((self.catalog, bucket.key))
        if found is not None and found[0] == bucket.checksum:
            bucket.code = found[1]

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if len(self._kept) >= self._LIMIT:
            self._kept.pop(next(iter(self._kept)))  # the oldest
        assert bucket.code is not None
        self._kept[(self.catalog, bucket.key)] = (bucket.checksum, bucket.code)


def _bytecode_cache(parent: Path, name: str) -> jinja2.BytecodeCache | None:
    """Compiled templates in `parent`/`name`; folders made for other catalogs are removed."""
    folder = parent / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for other in parent.iterdir():
            if other.name != name and other.is_dir():
                shutil.rmtree(other, ignore_errors=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))


def register_filters(
    env: jinja2.Environment, site: SiteInfo, translations: gettext.NullTranslations
) -> None:
    """The one place where templates get their helpers."""
    locale = _locale(site.language)
    tz = site.timezone

    zone_labels: dict[tuple[str | None, timedelta | None], str] = {}

    def zone_label(local: datetime) -> str:
        key = (local.tzname(), local.utcoffset())
        if key not in zone_labels:
            abbreviation = local.strftime("%Z")
            if abbreviation[:1] in "+-":
                offset = local.strftime("%z")
                abbreviation = f"UTC{offset[:3]}:{offset[3:]}"
            zone_labels[key] = abbreviation
        return zone_labels[key]

    # Bounded: most times show on one page only, and a large site has hundreds of thousands.
    @functools.lru_cache(maxsize=4096)
    def local_time(moment: datetime, pattern: str = "medium") -> Markup:
        local = moment.astimezone(tz)
        day, clock, seconds = _utc_parts(moment)
        shown = escape(f"{format_local(local, pattern)} {zone_label(local)}")
        return Markup(
            f'<time datetime="{day}T{clock}:{seconds}Z" title="{day} {clock} UTC">{shown}</time>'
        )

    months = dict(locale.months["format"]["abbreviated"])  # babel's mapping is slower to read

    def format_local(local: datetime, pattern: str) -> str:
        """Babel's output for the site's three patterns, without its pattern machinery (a page
        shows a dozen times, a site thousands of pages); any other pattern goes to babel."""
        clock = f"{local.hour:02d}:{local.minute:02d}"
        if pattern == "medium":  # d MMM y, HH:mm
            return f"{local.day} {months[local.month]} {local.year}, {clock}"
        if pattern == "short":  # d MMM, HH:mm
            return f"{local.day} {months[local.month]}, {clock}"
        if pattern == "time":  # HH:mm
            return clock
        return format_datetime(local, _pattern(pattern), tzinfo=tz, locale=locale)

    def utc_time(moment: datetime) -> str:
        day, clock, _ = _utc_parts(moment)
        return f"{day} {clock} UTC"

    @functools.lru_cache(maxsize=1024)  # the months and days of the lists recur on many pages
    def local_date(moment: Any, pattern: str = "long") -> str:
        if isinstance(moment, datetime):
            moment = moment.astimezone(tz).date()
        return format_date(moment, pattern, locale=locale)

    def duration(value: timedelta, days: bool = True) -> str:
        return format_duration(value, translations, days=days)

    def sla_amount(mark: Deadline) -> str:
        """The time left on a running deadline, or by which a breached one was missed."""
        if mark.state == "running" and mark.remaining is not None:
            return spent(mark.remaining, mark.target)
        if mark.state == "breached" and mark.overrun is not None:
            return spent(mark.overrun, mark.target)
        return ""

    def spent(value: timedelta, target: Target) -> str:
        """Time counted by an SLA target: in hours when it is working time, as targets are."""
        wall_clock = target.calendar.always or bool(target.duration.calendar_days)
        return format_duration(value, translations, days=wall_clock)

    percents: dict[int, str] = {}

    def percent(value: float) -> str:
        # Rounded down, so a day with any downtime never reads as 100 %.
        basis_points = math.floor(value * 10000 + 1e-6)
        if basis_points not in percents:
            percents[basis_points] = format_percent(basis_points / 10000, "0.00%", locale=locale)
        return percents[basis_points]

    date_labels: dict[Any, str] = {}
    cells: dict[int, tuple[UptimeCell, ...]] = {}

    def uptime_cells(up: Uptime) -> tuple[UptimeCell, ...]:
        """The bar's cells with their words ready: 90 cells on dozens of bars add up."""
        if id(up) not in cells:
            # The theme's macros, called by name: their names are known only to the template.
            labels: Any = env.get_template("macros.html").module
            made = []
            for day in up.days:
                if day.date not in date_labels:
                    date_labels[day.date] = format_date(day.date, "medium", locale=locale)
                if day.availability is not None:
                    text = translations.gettext("%(percent)s available") % {
                        "percent": percent(day.availability)
                    }
                elif day.incidents:
                    text = translations.gettext("Under maintenance")
                else:
                    text = translations.gettext("No data")
                made.append(
                    UptimeCell(
                        css="nodata"
                        if day.availability is None and not day.incidents
                        else day.worst.value,
                        day=day.date.isoformat(),
                        label=date_labels[day.date],
                        text=text,
                        lines=tuple(
                            f"{state.incident.title} ({str(labels.component_status_text(status)).strip()})"
                            for state, status in day.incidents
                        ),
                    )
                )
            cells[id(up)] = tuple(made)
        return cells[id(up)]

    def uptime_cells_html(up: Uptime, root: str, component_id: str) -> Markup:
        """The cells as HTML, built here rather than in a template loop: a bar has 90 of them,
        a page dozens of bars, and this is the hottest markup of the site."""
        parts = []
        page = escape(f"{root}components/{component_id}.html#day-")
        for cell in uptime_cells(up):
            lines = "".join(f' <span class="tip-line">{escape(line)}</span>' for line in cell.lines)
            tip = f'<span class="tip"><strong>{escape(cell.label)}</strong> {escape(cell.text)}{lines}</span>'
            if cell.lines:
                tip = f'<a href="{page}{escape(cell.day)}">{tip}</a>'
            parts.append(f'<li class="cell cell-{escape(cell.css)}">{tip}</li>')
        return Markup("\n".join(parts))

    env.globals.update(format_local=format_local)
    env.filters.update(
        uptime_cells_html=uptime_cells_html,
        local_time=local_time,
        utc_time=utc_time,
        local_date=local_date,
        duration=duration,
        spent=spent,
        sla_amount=sla_amount,
        percent=percent,
        markdown=render_markdown,
    )
    env.globals.update(zone_name=str(tz))


def _utc_parts(moment: datetime) -> tuple[str, str, str]:
    """'2026-11-22', '14:05' and '09' in UTC (strftime is slow; a site shows thousands of times)."""
    utc = moment.astimezone(_UTC)
    day = f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}"
    return day, f"{utc.hour:02d}:{utc.minute:02d}", f"{utc.second:02d}"


def _pattern(name: str) -> str:
    return {"medium": "d MMM y, HH:mm", "short": "d MMM, HH:mm", "time": "HH:mm"}.get(name, name)


def _locale(language: str) -> Locale:
    try:
        return Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def format_duration(
    value: timedelta, translations: gettext.NullTranslations, *, days: bool = True
) -> str:
    """A compact, translated duration: '2 d 3 h', '1 h 20 min', '45 min', '< 1 min'.

    Without `days`, whole days are shown as hours ('42 h'): a day of working time is not 24 h."""
    _ = translations.gettext
    minutes = math.floor(value.total_seconds() / 60)
    if minutes < 1:
        return _("< 1 min")
    whole_days, rest = divmod(minutes, 24 * 60) if days else (0, minutes)
    hours, minutes = divmod(rest, 60)
    parts = []
    if whole_days:
        parts.append(_("%(n)d d") % {"n": whole_days})
    if hours:
        parts.append(_("%(n)d h") % {"n": hours})
    if minutes and not whole_days:
        parts.append(_("%(n)d min") % {"n": minutes})
    return " ".join(parts)


def paginate(items: Sequence[T], size: int, path_of: Callable[[int], str]) -> Iterator[Page]:
    """Split `items` into pages; page 1 always exists, even when empty."""
    count = max(1, math.ceil(len(items) / size))
    for number in range(1, count + 1):
        yield Page(
            number=number,
            count=count,
            items=tuple(items[(number - 1) * size : number * size]),
            path=path_of(number),
            previous_path=path_of(number - 1) if number > 1 else None,
            next_path=path_of(number + 1) if number < count else None,
        )


def by_month(
    states: Sequence[IncidentState], tz: ZoneInfo
) -> list[tuple[datetime, list[IncidentState]]]:
    """Consecutive runs of incidents that started in the same month, in the given order."""
    months: list[tuple[datetime, list[IncidentState]]] = []
    for state in states:
        local = state.started.astimezone(tz)
        month = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        if months and months[-1][0] == month:
            months[-1][1].append(state)
        else:
            months.append((month, [state]))
    return months


def timeline(state: IncidentState, annotation: Annotation | None) -> list[tuple[str, Any]]:
    """The updates and the SLA deadlines, newest first: ("update", Update) or (name, Deadline)."""
    entries: list[tuple[datetime, int, str, Any]] = [(u.at, 1, "update", u) for u in state.updates]
    if annotation is not None:
        for name, mark in (
            ("first_response", annotation.first_response),
            ("resolution", annotation.resolution),
        ):
            if mark is not None:
                entries.append((mark.due_at, 0, name, mark))
    entries.sort(key=lambda e: (e[0], e[1]), reverse=True)
    return [(kind, item) for _, _, kind, item in entries]


def render_template(
    env: jinja2.Environment, template: str, context: dict[str, Any], page: str
) -> bytes:
    """The template rendered, or TemplateFailed naming the template, its line and the page."""
    try:
        return env.get_template(template).render(context).encode("utf-8")
    except StatusgenError:
        raise
    except Exception as error:  # a site's template can fail in any way Python can: 1/0, say
        raise template_failure(error, template, f"while making {page}") from None


def template_failure(error: Exception, template: str, during: str) -> TemplateFailed:
    """The message for an error in `template` (or a template it uses): the file and line where
    it happened, which Jinja's tracebacks carry, and what happened there."""
    if isinstance(error, jinja2.TemplateSyntaxError):
        filename = error.filename or error.name or template
        return TemplateFailed(
            f"{_shown(filename)}:{error.lineno}: {error.message} ({during})", filename, error.lineno
        )
    what = (
        str(error)
        if isinstance(error, jinja2.TemplateError)
        else f"{type(error).__name__}: {error}"
    )
    where = _failing_line(error)
    prefix = f"{_shown(where[0])}:{where[1]}: " if where is not None else ""
    message = f"{prefix}template error in {template}: {what} ({during})"
    return TemplateFailed(message, *where) if where is not None else TemplateFailed(message)


def _failing_line(error: BaseException) -> tuple[str, int] | None:
    """The template file and line of the innermost template code in the error's traceback.

    Jinja rewrites the traceback of an error raised while rendering: each frame of template code
    then names the template file and line, and its globals hold the error."""
    found = None
    frame = error.__traceback__
    while frame is not None:
        if "__jinja_exception__" in frame.tb_frame.f_globals:
            found = (frame.tb_frame.f_code.co_filename, frame.tb_lineno)
        frame = frame.tb_next
    return found


def _shown(filename: str) -> str:
    """A template's path as a user would type it: relative to the current folder if inside it."""
    if os.path.isabs(filename) and Path(filename).is_relative_to(Path.cwd()):
        return os.path.relpath(filename)
    return filename


def feed_links(path: str, title: str) -> list[dict[str, str]]:
    """The <link rel="alternate"> entries by which browsers and readers discover feeds."""
    return [
        {"type": "application/rss+xml", "title": f"{title} (RSS)", "path": f"{path}.rss"},
        {"type": "application/atom+xml", "title": f"{title} (Atom)", "path": f"{path}.atom"},
    ]


def render_pages(
    env: jinja2.Environment, content: Site, derived: Computed, signatures: Signatures
) -> Iterator[Output]:
    """Every HTML page of the site, rendered when the writer asks for it.

    Pages that show only closed incidents do not depend on the build time (no "as of" line), so
    their keys stay the same from one build to the next and the writer can reuse them."""
    site = content.info
    snapshot = derived.snapshot
    annotations = derived.annotations
    sig = signatures.state

    shared: dict[str, Any] = {
        "site": site,
        "groups": content.groups,
        "snapshot": snapshot,
        "as_of": None,
        "uptime": derived.uptime,
        "uptime_days": content.uptime.days,
        "uptime_weights": sorted(content.uptime.weights.items(), reverse=True),
        "sla_enabled": content.sla.enabled,
    }

    def render(
        path: str, template: str, extra: dict[str, Any] | Callable[[], dict[str, Any]]
    ) -> bytes:
        context = {
            **shared,
            "root": "../" * path.count("/"),
            "page_path": path,
            "canonical_url": site.url + path.removesuffix("index.html"),
            "feeds": site_feeds,
        }
        for name, value in (extra() if callable(extra) else extra).items():
            context[name] = value() if callable(value) else value
        return render_template(env, template, context, path)

    def incident_page(state: IncidentState) -> dict[str, Any]:
        # Made when the page is rendered: ten thousand pages waiting to be written hold only this.
        annotation = annotations.get(state.id)
        return {
            "as_of": now if state.is_open else None,
            "incident": state,
            "sla": annotation,
            "maintenance_check": derived.maintenance.get(state.id),
            "timeline": timeline(state, annotation),
        }

    def page(
        path: str, template: str, key: tuple[Any, ...] | None, **extra: Callable[[], Any] | Any
    ) -> Output:
        """A page made on demand; an `extra` value given as a function is called then."""
        return Output(
            path,
            key=signatures.key(path, *key) if key is not None else None,
            render=partial(render, path, template, extra),
        )

    now = snapshot.now
    site_feeds = feed_links("history", site.title)

    def component_feeds(component: Component) -> list[dict[str, str]]:
        own = feed_links(f"components/{component.id}", f"{site.title}: {component.name}")
        return own + site_feeds

    # The home page and the report draw on every incident (the bars, the last days, the months).
    everything = (now.isoformat(), signatures.everything(snapshot.incidents))
    yield page("index.html", "index.html", everything, as_of=now)
    for state in snapshot.incidents:
        path = f"incidents/{state.id}.html"
        yield Output(
            path,
            key=signatures.key(path, sig(state)),
            render=partial(render, path, "incident.html", partial(incident_page, state)),
        )
    for component_state in snapshot.components.values():
        cid = component_state.component.id
        for slice_ in paginate(
            component_state.incidents,
            HISTORY_PAGE_SIZE,
            partial(_component_page, cid),
        ):
            first = slice_.number == 1  # with the availability bar, which moves with time
            yield page(
                slice_.path,
                "component.html",
                (
                    slice_.count,
                    component_state.status.value,
                    tuple(map(sig, slice_.items)),
                    now.isoformat() if first else "",
                ),
                as_of=now if first else None,
                feeds=partial(component_feeds, component_state.component),
                component=component_state,
                pagination=slice_,
                months=partial(by_month, slice_.items, site.timezone),
            )
    for slice_ in paginate(
        snapshot.incidents,
        HISTORY_PAGE_SIZE,
        lambda n: "history/index.html" if n == 1 else f"history/{n}.html",
    ):
        live = any(s.is_open for s in slice_.items)
        yield page(
            slice_.path,
            "history.html",
            (slice_.count, tuple(map(sig, slice_.items))),
            as_of=now if live else None,
            pagination=slice_,
            months=partial(by_month, slice_.items, site.timezone),
        )
    if content.sla.enabled:
        yield page(
            "sla/index.html", "sla.html", everything, as_of=now, report=lambda: derived.report
        )
    # GitHub Pages serves 404.html at any depth, so its links must be absolute.
    yield page("404.html", "404.html", (), root=urlsplit(site.url).path)


def render_static() -> Iterator[Output]:
    """The theme's CSS and other static files."""
    static = resources.files("statusgen") / "theme" / "static"
    for entry in sorted(static.iterdir(), key=lambda e: e.name):
        if entry.is_file():
            yield Output(f"static/{entry.name}", entry.read_bytes())


def _component_page(cid: str, number: int) -> str:
    """The path of a component's page `number` (its history, 50 incidents a page)."""
    return f"components/{cid}.html" if number == 1 else f"components/{cid}-{number}.html"
