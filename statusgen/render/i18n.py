"""The translations of the site's language: the site's own catalog first, then statusgen's."""

from __future__ import annotations

import gettext
from importlib import resources
from pathlib import Path

from statusgen.errors import TemplateFailed


def load_translations(project: Path, language: str) -> gettext.NullTranslations:
    """The catalog for `language`: the site's own locale/ first, then the one shipped with statusgen."""
    languages = [language.replace("-", "_"), language.split("-")[0]]
    shipped = _read_catalog(Path(str(resources.files("statusgen") / "locale")), languages, project)
    own = _read_catalog(project / "locale", languages, project)
    if own is None:
        return shipped or gettext.NullTranslations()
    if shipped is not None:
        own.add_fallback(shipped)
    return own


def _read_catalog(
    folder: Path, languages: list[str], project: Path
) -> gettext.GNUTranslations | None:
    # Read afresh each time (gettext.translation() keeps the first reading of a file for the
    # life of the process, and the preview server lives through edits of the catalog).
    path = gettext.find("statusgen", str(folder), languages)
    if path is None:
        return None
    try:
        with open(path, "rb") as stream:
            return gettext.GNUTranslations(stream)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        inside = Path(path).is_relative_to(project)
        shown = Path(path).relative_to(project).as_posix() if inside else path
        raise TemplateFailed(
            f"{shown}: not a readable compiled message catalog ({error}); "
            "compile it from its .po file with msgfmt or pybabel compile"
        ) from None
