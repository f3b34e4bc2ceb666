"""Markdown, as engineers write it in incident updates, to HTML that is safe on a public page."""

from __future__ import annotations

import functools
import re

import markdown
import nh3
from markupsafe import Markup

_EXTENSIONS = ["fenced_code", "tables", "sane_lists"]
CONVERTER = f"markdown {markdown.__version__} {_EXTENSIONS}, nh3 {nh3.__version__}"
_ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h3", "h4", "h5",
    "h6", "hr", "i", "kbd", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody",
    "td", "th", "thead", "tr", "ul",
}  # fmt: skip
# Built once: nh3.clean() would build its sanitizer again for every text.
_SANITIZER = nh3.Cleaner(
    tags=_ALLOWED_TAGS,
    attributes={"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}},
    url_schemes={"http", "https", "mailto"},
    link_rel="noopener noreferrer nofollow",
)

# Python-Markdown tries every processor and pattern on every text, yet most updates are plain
# sentences. A text in which a processor cannot match (no "[" for links, no "|" for tables …)
# is converted by an instance without it, which gives the same HTML sooner. Each entry: the
# registry, the name, the characters of which the text must hold one for it to match anywhere
# (tabs count, as they become spaces), and what else the text must then hold, if anything: one
# of some strings, or a match of a pattern (written to start from a rare character, as
# patterns that start with one are searched quickly). Processors not named here are kept.
_NEEDS = [
    ("preprocessors", "html_block", "<", None),
    ("preprocessors", "fenced_code_block", "`~", ("```", "~~~")),
    # Puts back what the three above and the "html" and "entity" patterns set aside (and leaves
    # a reference cycle behind on every run, even with nothing to put back).
    ("postprocessors", "raw_html", "<&`~", ("<", "&", "```", "~~~")),
    # Puts back the "&" that the "entity" and "automail" patterns set aside.
    ("postprocessors", "amp_substitute", "&<", None),
    # Puts back the characters that the "escape" pattern set aside.
    ("treeprocessors", "unescape", "\\", None),
    ("blockprocessors", "indent", "\t ", ("\t", "    ")),
    ("blockprocessors", "code", "\t ", ("\t", "    ")),
    ("blockprocessors", "hashheader", "#", None),
    ("blockprocessors", "setextheader", "=-", None),
    ("blockprocessors", "hr", "-_*", None),
    ("blockprocessors", "quote", ">", None),
    ("blockprocessors", "reference", ":", ("]:",)),
    ("blockprocessors", "table", "|", None),
    ("blockprocessors", "olist", ".", r"\.(?<=\d\.)"),  # a digit, then a dot
    ("blockprocessors", "ulist", "*+-", None),
    ("inlinePatterns", "backtick", "`", None),
    ("inlinePatterns", "escape", "\\", None),
    ("inlinePatterns", "link", "[", None),
    ("inlinePatterns", "image_link", "!", ("![",)),
    # Reference links resolve only against a definition ("[id]: url") in the same text.
    ("inlinePatterns", "reference", ":", ("]:",)),
    ("inlinePatterns", "short_reference", ":", ("]:",)),
    ("inlinePatterns", "image_reference", "!", r"\A(?=[\s\S]*!\[)(?=[\s\S]*\]:)"),
    ("inlinePatterns", "short_image_ref", "!", r"\A(?=[\s\S]*!\[)(?=[\s\S]*\]:)"),
    ("inlinePatterns", "autolink", "<", None),
    ("inlinePatterns", "automail", "<", None),
    ("inlinePatterns", "html", "<", None),
    ("inlinePatterns", "entity", "&", None),
    ("inlinePatterns", "em_strong", "*_", None),
    # A hard line break: two spaces before a newline ("\r" becomes one).
    ("inlinePatterns", "linebreak", "\t\r\n", ("\t", "  \r", "  \n")),
]
# The same needs, asked once: (characters, what else) → the processors that need them.
_Then = tuple[str, ...] | re.Pattern[str]
_BY_NEED: dict[tuple[frozenset[str], _Then | None], list[tuple[str, str]]] = {}
for _registry, _name, _chars, _then in _NEEDS:
    _need = (frozenset(_chars), re.compile(_then) if isinstance(_then, str) else _then)
    _BY_NEED.setdefault(_need, []).append((_registry, _name))


def _meets(text: str, check: _Then) -> bool:
    if isinstance(check, tuple):
        return any(part in text for part in check)
    return check.search(text) is not None


def markdown_to_html(text: str) -> str:
    """Markdown to HTML with no scripts, handlers or javascript: URLs."""
    if not text.strip():  # most incidents have no summary
        return ""
    converter = _converter(_unneeded(text))
    converter.reset()  # an instance keeps state between documents
    return _SANITIZER.clean(converter.convert(text))


@functools.lru_cache(maxsize=4096)
def render_markdown(text: str) -> Markup:
    """The templates' `markdown` filter. (Updates are converted when their file is read; the
    cache serves templates that convert the same texts again.)"""
    return Markup(markdown_to_html(text))


def _unneeded(text: str) -> frozenset[tuple[str, str]]:
    """The processors and patterns that cannot match anywhere in `text`."""
    absent, checks = _plan(_MARKUP_CHARACTERS.intersection(text))
    failed = tuple(keys for check, keys in checks if not _meets(text, check))
    return _together(absent, failed) if failed else absent


# What a text's characters settle, asked once per set of characters: the processors that are
# unneeded whatever else the text holds, and the patterns still to try for the others.
_MARKUP_CHARACTERS = frozenset().union(*(chars for chars, _ in _BY_NEED))


@functools.lru_cache(maxsize=1024)
def _plan(
    present: frozenset[str],
) -> tuple[frozenset[tuple[str, str]], tuple[tuple[_Then, frozenset[tuple[str, str]]], ...]]:
    absent: set[tuple[str, str]] = set()
    checks = []
    for (chars, check), keys in _BY_NEED.items():
        if present.isdisjoint(chars):
            absent.update(keys)
        elif check is not None:
            checks.append((check, frozenset(keys)))
    return frozenset(absent), tuple(checks)


@functools.lru_cache(maxsize=1024)
def _together(
    absent: frozenset[tuple[str, str]], failed: tuple[frozenset[tuple[str, str]], ...]
) -> frozenset[tuple[str, str]]:
    return absent.union(*failed)


@functools.lru_cache(maxsize=64)  # texts fall into a few kinds; an instance is some 100 kB
def _converter(without: frozenset[tuple[str, str]]) -> markdown.Markdown:
    converter = markdown.Markdown(extensions=_EXTENSIONS, output_format="html")
    registries = {
        "preprocessors": converter.preprocessors,
        "postprocessors": converter.postprocessors,
        "blockprocessors": converter.parser.blockprocessors,
        "treeprocessors": converter.treeprocessors,
        "inlinePatterns": converter.inlinePatterns,
    }
    for registry, name in without:
        if name in registries[registry]:
            registries[registry].deregister(name)
    if not len(converter.inlinePatterns):  # the step that applies them has nothing to do
        converter.treeprocessors.deregister("inline")
    return converter
