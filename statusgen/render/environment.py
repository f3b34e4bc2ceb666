"""The template environment: the site's templates over the theme's, with the site's translations
and filters; and what a template's failure says."""

from __future__ import annotations

import os
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from statusgen.errors import StatusgenError, TemplateFailed
from statusgen.model.content import SiteInfo
from statusgen.render.filters import register_filters
from statusgen.render.i18n import load_translations


def make_env(
    project: Path, site: SiteInfo, prepare: Callable[[jinja2.Environment], None] | None = None
) -> jinja2.Environment:
    """The template environment: the site's templates/ first, then the bundled default theme.

    `prepare`, if given, is applied before any template is loaded (to add extensions, say)."""
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
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # an environment lasts one build; the preview makes a new one
    )
    translations = load_translations(project, site.language)
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    register_filters(env, site, translations)
    # Partials a site may replace; base.html includes those not named here.
    env.globals["empty_partials"] = frozenset()
    if prepare is not None:
        prepare(env)
    _import_macros(env)
    return env


def _import_macros(env: jinja2.Environment) -> None:
    """macros.html, as the global `m` of every template and `labels` inside itself.

    An import in each page would cost more than some pages' content."""
    labels = _Labels()
    env.globals["labels"] = labels  # the module's own context copies the globals: set it first
    try:
        module = env.get_template("macros.html").module
    except StatusgenError:
        raise
    except Exception as error:  # its top-level code runs here, and a site's may fail
        raise template_failure(error, "macros.html", "while compiling it") from None
    labels.module = module
    env.globals["m"] = module


class _Labels:
    """The macros of macros.html, reachable from inside that file as `labels`: whatever the
    module holds when they are called, which may be wrapped after the import."""

    module: Any = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.module, name)


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
