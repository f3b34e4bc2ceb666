"""Jinja made fast: compiled templates kept between builds (and checked before they are used),
compiled once before the work is shared out, macros rendered once per distinct arguments,
labels translated once, and partials that print nothing not included."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from types import CodeType
from typing import Any, ClassVar

import jinja2

from statusgen.engine.fingerprint import Inputs, templates_key
from statusgen.engine.labels import ConstantLabels, memoize_gettext, translations_digest
from statusgen.engine.store import read_regular
from statusgen.model.content import SiteInfo
from statusgen.render.environment import make_env
from statusgen.render.i18n import load_translations

_CUSTOM_HEAD = "partials/custom_head.html"


_CUSTOM_FOOTER = "partials/custom_footer.html"


def _prints_nothing(env: jinja2.Environment, name: str) -> bool:
    """Whether the template has no content at all (only comments, say)."""
    try:
        source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
        return not env.parse(source).body
    except jinja2.TemplateError:  # missing or broken: the include says so when it runs
        return False


def compile_templates(env: jinja2.Environment) -> None:
    """Compile the templates now, once, rather than in each drawing process: every one the
    theme and the site have (and the theme's version of each the site replaces, which the
    site's may extend). A template's error is left for the page that uses it to report, as it
    would be on one core."""
    own = env.loader.loaders[0].list_templates()  # type: ignore[union-attr]
    names = [n for n in env.list_templates(extensions=["html"]) if not n.startswith("default/")]
    for name in [*names, *(f"default/{n}" for n in own)]:
        with contextlib.suppress(jinja2.TemplateError):
            env.get_template(name)


def memoize_macros(env: jinja2.Environment) -> None:
    """Render each macro of macros.html once per distinct argument list.

    The macros take everything they show as arguments, so a status badge or an incident row is
    the same wherever it appears; thousands of pages would otherwise render it again each time.
    Every template reaches macros.html as the one module object `m`, so wrapping its macros
    there covers them all."""
    module = env.globals["m"]
    for name, value in list(vars(module).items()):
        if isinstance(value, jinja2.runtime.Macro):
            setattr(module, name, _memoized(value))


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

    def __init__(self, key: str) -> None:
        self.catalog = key

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        found = self._kept.get((self.catalog, bucket.key))
        if found is not None and found[0] == bucket.checksum:
            bucket.code = found[1]

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if len(self._kept) >= self._LIMIT:
            self._kept.pop(next(iter(self._kept)))  # the oldest
        assert bucket.code is not None
        self._kept[(self.catalog, bucket.key)] = (bucket.checksum, bucket.code)


class _CheckedBytecode(jinja2.BytecodeCache):
    """Compiled templates kept in a folder for the next build, each file with a digest of its
    content: one that is damaged is compiled again (and `warn` says so), one that cannot be
    read or written is compiled again the next time."""

    def __init__(self, folder: Path, warn: Callable[[str], None]) -> None:
        self.folder = folder
        self.warn = warn

    def _path(self, bucket: jinja2.bccache.Bucket) -> Path:
        return self.folder / f"{bucket.key}.cache"

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        path = self._path(bucket)
        try:
            raw = read_regular(path)
        except OSError:  # none yet, or not a file that can be read
            return
        digest, data = raw[:_DIGEST], raw[_DIGEST:]
        try:
            if hashlib.blake2b(data, digest_size=_DIGEST).digest() != digest:
                raise ValueError("digest")
            bucket.bytecode_from_string(data)
        except Exception:  # damaged: compiled again, and written anew
            bucket.reset()
            self.warn(f"compiled templates in {self.folder} were damaged; compiled again")

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = bucket.bytecode_to_string()
        digest = hashlib.blake2b(data, digest_size=_DIGEST).digest()
        try:
            handle, temporary = tempfile.mkstemp(prefix=".write-", dir=self.folder)
            try:
                with os.fdopen(handle, "wb") as stream:
                    stream.write(digest + data)
                os.replace(temporary, self._path(bucket))
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError:
            pass  # compiled again next time


_DIGEST = 20


def _bytecode_cache(key: str, warn: Callable[[str], None]) -> jinja2.BytecodeCache | None:
    """Compiled templates in the user's cache folder, under `key`; None where there is none.

    Never in the project: compiled templates are code, and a project (a clone, an archive) must
    not be able to bring code of its own to run. Folders of other keys unused for a month go."""
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "statusgen"
    folder = root / "templates" / key
    try:
        folder.mkdir(parents=True, exist_ok=True)
        os.utime(folder)
        stale = time.time() - _UNUSED_FOR
        for other in folder.parent.iterdir():
            if other != folder and other.is_dir() and other.stat().st_mtime < stale:
                shutil.rmtree(other, ignore_errors=True)
    except (OSError, RuntimeError):  # no home, or none that can be written: compiled anew
        return None
    return _CheckedBytecode(folder, warn)


_UNUSED_FOR = 30 * 24 * 3600  # seconds


def fast_environment(
    project: Path, info: SiteInfo, inputs: Inputs, keeps: bool, warn: Callable[[str], None]
) -> jinja2.Environment:
    """The site's template environment (render.environment.make_env), made fast. With
    `keeps`, compiled templates are kept for the next build (see _bytecode_cache)."""
    translations = load_translations(project, info.language)
    key = templates_key(inputs, translations_digest(translations))

    def prepare(env: jinja2.Environment) -> None:
        # Before any template is loaded: macros.html's module keeps the filters and globals it
        # sees when it is imported, for the whole build.
        memoize_gettext(env)
        memoize_filters(env)
        env.add_extension(ConstantLabels)
        env.constant_label_translations = translations  # type: ignore[attr-defined]
        kept = _bytecode_cache(key, warn) if keeps else None
        env.bytecode_cache = kept or _CompiledInProcess(key)
        # The theme's partials are there to be replaced and are empty until they are: an
        # include costs a tenth of a small page.
        env.globals["empty_partials"] = frozenset(
            name for name in (_CUSTOM_HEAD, _CUSTOM_FOOTER) if _prints_nothing(env, name)
        )

    env = make_env(project, info, prepare)
    memoize_macros(env)
    return env


# The helpers whose results recur on many pages (the same times, dates and percentages), kept
# by their arguments; bounded where a large site has hundreds of thousands of distinct ones.
_BY_VALUE = {
    "local_time": 4096,
    "page_time": 4096,
    "local_date": 1024,
    "percentage": None,
    "zone_name": 64,
}


def memoize_filters(env: jinja2.Environment) -> None:
    """Memoize the template helpers (render.filters.Filters) on the instance the templates use:
    its methods call each other through it, so every use gets the memoized version."""
    helpers = env.helpers  # type: ignore[attr-defined]
    for name, size in _BY_VALUE.items():
        memoized = functools.lru_cache(maxsize=size)(getattr(helpers, name))
        setattr(helpers, name, memoized)
        if name in env.filters:
            env.filters[name] = memoized
    # An availability bar shows on its component's pages and the home page: its cells are
    # worded once, kept by the bar's identity (the bar itself kept alive with them).
    helpers.uptime_cells = _by_identity(helpers.uptime_cells)


def _by_identity(function: Callable[[Any], Any]) -> Callable[[Any], Any]:
    kept: dict[int, tuple[Any, Any]] = {}

    def call(value: Any) -> Any:
        found = kept.get(id(value))
        if found is None:
            found = kept[id(value)] = (function(value), value)
        return found[0]

    return call
