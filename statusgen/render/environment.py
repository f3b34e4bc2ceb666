"""The template environment: the site's templates over the theme's, with translations."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from enum import Enum
from importlib import resources
from pathlib import Path
from types import CodeType
from typing import Any, ClassVar

import jinja2

from statusgen.errors import StatusgenError, TemplateFailed
from statusgen.model.content import SiteInfo
from statusgen.render.filters import register_filters
from statusgen.render.i18n import (
    ConstantLabels,
    load_translations,
    memoize_gettext,
    translations_digest,
)


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
