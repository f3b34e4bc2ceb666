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
# (tabs count, as they become spaces), and what else the text must then match, if anything.
# Processors not named here are always kept.
_NEEDS = [
    ("preprocessors", "html_block", "<", None),
    ("preprocessors", "fenced_code_block", "`~", "```|~~~"),
    # Puts back what the three above and the "html" and "entity" patterns set aside (and leaves
    # a reference cycle behind on every run, even with nothing to put back).
    ("postprocessors", "raw_html", "<&`~", "<|&|```|~~~"),
    ("blockprocessors", "indent", "\t ", r"\t|    "),
    ("blockprocessors", "code", "\t ", r"\t|    "),
    ("blockprocessors", "hashheader", "#", None),
    ("blockprocessors", "setextheader", "=-", None),
    ("blockprocessors", "hr", "-_*", None),
    ("blockprocessors", "quote", ">", None),
    ("blockprocessors", "reference", ":", r"\]:"),
    ("blockprocessors", "table", "|", None),
    ("blockprocessors", "olist", ".", r"\d\."),
    ("blockprocessors", "ulist", "*+-", None),
    ("inlinePatterns", "backtick", "`", None),
    ("inlinePatterns", "escape", "\\", None),
    ("inlinePatterns", "link", "[", None),
    ("inlinePatterns", "image_link", "!", r"!\["),
    # Reference links resolve only against a definition ("[id]: url") in the same text.
    ("inlinePatterns", "reference", ":", r"\]:"),
    ("inlinePatterns", "short_reference", ":", r"\]:"),
    ("inlinePatterns", "image_reference", "!", r"\A(?=[\s\S]*!\[)(?=[\s\S]*\]:)"),
    ("inlinePatterns", "short_image_ref", "!", r"\A(?=[\s\S]*!\[)(?=[\s\S]*\]:)"),
    ("inlinePatterns", "autolink", "<", None),
    ("inlinePatterns", "automail", "<", None),
    ("inlinePatterns", "html", "<", None),
    ("inlinePatterns", "entity", "&", None),
    ("inlinePatterns", "em_strong", "*_", None),
    # A hard line break: two spaces before a newline ("\r" becomes one).
    ("inlinePatterns", "linebreak", "\t\r\n", r"\t|  [\r\n]"),
]
# The same needs, asked once: (characters, pattern) → the processors that need them.
_BY_NEED: dict[tuple[frozenset[str], re.Pattern[str] | None], list[tuple[str, str]]] = {}
for _registry, _name, _chars, _pattern in _NEEDS:
    _need = (frozenset(_chars), re.compile(_pattern) if _pattern else None)
    _BY_NEED.setdefault(_need, []).append((_registry, _name))


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
    present = set(text)
    unneeded: set[tuple[str, str]] = set()
    for (chars, pattern), keys in _BY_NEED.items():
        if present.isdisjoint(chars) or (pattern is not None and not pattern.search(text)):
            unneeded.update(keys)
    return frozenset(unneeded)


@functools.lru_cache(maxsize=64)  # texts fall into a few kinds; an instance is some 100 kB
def _converter(without: frozenset[tuple[str, str]]) -> markdown.Markdown:
    converter = markdown.Markdown(extensions=_EXTENSIONS, output_format="html")
    registries = {
        "preprocessors": converter.preprocessors,
        "postprocessors": converter.postprocessors,
        "blockprocessors": converter.parser.blockprocessors,
        "inlinePatterns": converter.inlinePatterns,
    }
    for registry, name in without:
        if name in registries[registry]:
            registries[registry].deregister(name)
    return converter
