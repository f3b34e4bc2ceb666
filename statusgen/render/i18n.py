"""The translations of the site's language: the site's own catalog first, then statusgen's.

A catalog is a gettext `statusgen.po` (read and compiled in memory, so a translator edits and
builds with no compile step) or a compiled `statusgen.mo`, in `<folder>/<lang>/LC_MESSAGES/`.
statusgen ships both, and reads its `.mo`: reading a `.po` costs a build a tenth of a second."""

from __future__ import annotations

import functools
import gettext
import io
import re
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from babel import Locale, UnknownLocaleError

from statusgen.errors import TemplateFailed

if TYPE_CHECKING:
    import jinja2
    from babel.messages.catalog import Message

DOMAIN = "statusgen"
SOURCE_LANGUAGE = "en"  # the language of the messages themselves: it needs no catalog
_SITE_KINDS = (".po", ".mo")  # where a site has both, the .po: it is what the translator edits
_SHIPPED_KINDS = (".mo", ".po")  # compiled from the .po beside it (see catalog.py)


def marked(message: str) -> str:
    """Marks a message for the catalog, as `_`, where it is defined and not yet translated:
    `from statusgen.render.i18n import marked as _`. It is translated where it is shown."""
    return message


def shipped_folder() -> Path:
    return Path(str(resources.files("statusgen") / "locale"))


def load_translations(project: Path, language: str) -> gettext.NullTranslations:
    """The catalog for `language`: the site's own locale/ first, then the one shipped with statusgen."""
    shipped = _read_catalog(find_catalog(shipped_folder(), language, _SHIPPED_KINDS), project)
    own = _read_catalog(find_catalog(project / "locale", language), project)
    if own is None:
        return shipped or gettext.NullTranslations()
    if shipped is not None:
        own.add_fallback(shipped)
    return own


def translations_of(env: jinja2.Environment) -> gettext.NullTranslations:
    """The translations `env`'s templates show, for outputs that write words of their own
    (kept on the environment's helpers by filters.register_filters)."""
    translations = env.helpers.translations  # type: ignore[attr-defined]
    assert isinstance(translations, gettext.NullTranslations)
    return translations


def find_catalog(folder: Path, language: str, kinds: tuple[str, ...] = _SITE_KINDS) -> Path | None:
    """The catalog of `language` in `folder`: for `pt-BR`, that of `pt_BR` (or `pt-BR`), else
    that of `pt`; of the `kinds` of file, the first there."""
    for name in _folder_names(language):
        for kind in kinds:
            path = folder / name / "LC_MESSAGES" / f"{DOMAIN}{kind}"
            if path.is_file():
                return path
    return None


def shipped_languages() -> list[str]:
    """The languages statusgen has a catalog for, as tags (`pt-BR`), English included."""
    found = {
        folder.name.replace("_", "-")
        for folder in shipped_folder().iterdir()
        if find_catalog(shipped_folder(), folder.name) is not None
    }
    return sorted({SOURCE_LANGUAGE, *found})


def language_warning(project: Path, language: str) -> str | None:
    """What to tell the user when the site's language has no catalog: the pages would show
    English words around dates in that language."""
    if _folder_names(language)[-1] == SOURCE_LANGUAGE:
        return None
    if find_catalog(project / "locale", language) or find_catalog(shipped_folder(), language):
        return None
    name = _folder_names(language)[0]
    return (
        f"components.yaml: language '{language}' has no translation catalog, so the site's "
        f"words are in English (shipped: {', '.join(shipped_languages())}; to add one, "
        f"translate statusgen.pot into locale/{name}/LC_MESSAGES/statusgen.po)"
    )


def _folder_names(language: str) -> list[str]:
    """The folders that may hold the catalog of `language`, most specific first: `pt-BR` gives
    `pt_BR`, `pt-BR` and `pt`."""
    try:
        tag = str(Locale.parse(language.replace("-", "_")))
    except (UnknownLocaleError, ValueError, TypeError):
        tag = language.replace("-", "_")
    parts = tag.split("_")
    names: list[str] = []
    for end in range(len(parts), 0, -1):
        for name in ("_".join(parts[:end]), "-".join(parts[:end])):
            if name not in names:
                names.append(name)
    return names


def _read_catalog(path: Path | None, project: Path) -> gettext.GNUTranslations | None:
    # Read afresh each time (gettext.translation() keeps the first reading of a file for the
    # life of the process, and the preview server lives through edits of the catalog).
    if path is None:
        return None
    inside = path.is_relative_to(project)
    shown = path.relative_to(project).as_posix() if inside else str(path)
    try:
        data = path.read_bytes()
        if path.suffix == ".po":
            return gettext.GNUTranslations(io.BytesIO(compile_po(data, shown)))
        return gettext.GNUTranslations(io.BytesIO(data))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        if path.suffix == ".po":  # read, but its header is not one gettext can use
            raise TemplateFailed(f"{shown}: not a usable message catalog ({error})") from None
        raise TemplateFailed(
            f"{shown}: not a readable compiled message catalog ({error}); "
            "compile it from its .po file with msgfmt or pybabel compile, or put the .po "
            "file there instead"
        ) from None


@functools.lru_cache(maxsize=8)  # a build reads its catalogs twice; the preview, at each build
def compile_po(data: bytes, shown: str) -> bytes:
    """The .mo bytes of a .po file, once it reads as a catalog whose translations keep their
    messages' placeholders. Fuzzy translations are left out, as msgfmt leaves them."""
    from babel.messages.mofile import write_mo  # only for a catalog written as a .po
    from babel.messages.pofile import PoFileError, read_po

    try:
        catalog = read_po(io.BytesIO(data), abort_invalid=True)
    except PoFileError as error:
        line = error.lineno + 1  # babel counts from 0
        reason = re.sub(r" on \d+$", "", str(error))
        raise TemplateFailed(
            f"{shown}:{line}: not a line of a message catalog: {reason[:1].lower()}{reason[1:]}",
            shown,
            line,
        ) from None
    except UnicodeDecodeError as error:
        raise TemplateFailed(f"{shown}: not UTF-8 ({error.reason})", shown) from None
    for message in catalog:
        if message.id and not message.fuzzy:
            _check_placeholders(message, shown)
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


_PLACEHOLDER = re.compile(r"%\((\w+)\)")


def _check_placeholders(message: Message, shown: str) -> None:
    """A translation may name only its message's placeholders: any other would fail when the
    message is shown."""
    allowed = {name for text in _texts(message.id) for name in _PLACEHOLDER.findall(text)}
    for text in _texts(message.string):
        unknown = sorted(set(_PLACEHOLDER.findall(text)) - allowed)
        if unknown:
            line = message.lineno or 1
            keep = ", ".join(f"%({name})" for name in sorted(allowed)) or "none"
            raise TemplateFailed(
                f"{shown}:{line}: the translation of {_texts(message.id)[0]!r} uses "
                f"%({unknown[0]}), which its message does not have (placeholders: {keep})",
                shown,
                line,
            )


def _texts(value: object) -> tuple[str, ...]:
    """A message's id or translation: one text, or one per plural form."""
    return tuple(map(str, value)) if isinstance(value, (list, tuple)) else (str(value),)
