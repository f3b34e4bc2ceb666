"""The translation catalog: every user-visible string of the theme and of the Python code.

After changing a string, `python -m statusgen.render.catalog` writes the template again and
brings each shipped translation up to it: new messages are added untranslated, changed ones are
kept as fuzzy guesses for the translator, and those no longer used are dropped. Run it again
after translating: it compiles each translation into the `.mo` file that builds read.
"""

from __future__ import annotations

import io
from importlib import resources
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from statusgen import __version__
from statusgen.render.i18n import compile_po

DOMAIN = "statusgen"
_METHODS = [("theme/templates/**.html", "jinja2"), ("**.py", "python")]
_OPTIONS = {"theme/templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def package_dir() -> Path:
    return Path(str(resources.files("statusgen")))


def template_path() -> Path:
    return package_dir() / "locale" / f"{DOMAIN}.pot"


def extract() -> Catalog:
    """Every translatable string, with where it is used."""
    catalog = Catalog(project="statusgen", version=__version__, fuzzy=False)
    root = package_dir()
    for filename, lineno, message, comments, context in extract_from_dir(
        str(root), _METHODS, _OPTIONS, keywords={"_": None, "gettext": None, "ngettext": (1, 2)}
    ):
        catalog.add(
            message, locations=[(filename, lineno)], auto_comments=comments, context=context
        )
    return catalog


def render_template() -> bytes:
    """The .pot file's bytes, without volatile dates so it can be compared and committed."""
    out = io.BytesIO()
    write_po(out, extract(), omit_header=True, sort_output=True, no_location=True, width=100)
    return out.getvalue()


def shipped_translations() -> list[Path]:
    """The .po file of each language statusgen ships."""
    return sorted((package_dir() / "locale").glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def read_translation(path: Path) -> Catalog:
    with path.open("rb") as stream:
        return read_po(stream)


def updated_translation(path: Path, template: Catalog) -> bytes:
    """The .po file at `path` brought up to `template`, its header (language, plural forms,
    dates) kept as it was."""
    catalog = read_translation(path)
    created, revised = catalog.creation_date, catalog.revision_date
    catalog.update(template)
    catalog.creation_date, catalog.revision_date = created, revised
    out = io.BytesIO()
    write_po(out, catalog, sort_output=True, no_location=True, ignore_obsolete=True, width=100)
    return out.getvalue()


def compiled_path(translation: Path) -> Path:
    return translation.with_suffix(".mo")


def compile_translation(translation: Path) -> bytes:
    """The .mo bytes of a shipped .po file."""
    return compile_po(translation.read_bytes(), str(translation))


if __name__ == "__main__":
    template_path().parent.mkdir(parents=True, exist_ok=True)
    template_path().write_bytes(render_template())
    for translation in shipped_translations():
        translation.write_bytes(updated_translation(translation, extract()))
        compiled_path(translation).write_bytes(compile_translation(translation))
