"""Markdown, as engineers write it in incident updates, to HTML that is safe on a public page."""

from __future__ import annotations

import functools
import re

import markdown
import nh3
from markupsafe import Markup

_EXTENSIONS = ["fenced_code", "tables", "sane_lists"]
_ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h3", "h4", "h5",
    "h6", "hr", "i", "kbd", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody",
    "td", "th", "thead", "tr", "ul",
}  # fmt: skip

# Python-Markdown's inline patterns, by the characters without one of which a pattern cannot
# match. Most updates are plain sentences, yet every pattern is tried on every run of text: a
# text without, say, "[" or "<" is converted by an instance without the patterns that need them,
# which gives the same HTML sooner. Patterns not named here are always kept.
_INLINE_NEEDS = {
    "backtick": "`",
    "escape": "\\",
    "reference": "[",
    "link": "[",
    "image_link": "[",
    "image_reference": "[",
    "short_reference": "[",
    "short_image_ref": "[",
    "autolink": "<",
    "automail": "<",
    "html": "<",
    "entity": "&",
    "em_strong": "*_",
}
# A hard line break is two spaces before a newline, once tabs are expanded and "\r" is a newline.
_LINE_BREAK = re.compile(r"\t|  [\r\n]")


@functools.lru_cache(maxsize=4096)
def render_markdown(text: str) -> Markup:
    """Markdown to HTML with no scripts, handlers or javascript: URLs.

    Cached: an update's text shows on its incident page, in feeds and on the home page."""
    converter = _converter(_unneeded(text))
    converter.reset()  # an instance keeps state between documents
    clean = nh3.clean(
        converter.convert(text),
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)


def _unneeded(text: str) -> frozenset[str]:
    """The inline patterns that cannot match anywhere in `text`."""
    unneeded = {name for name, chars in _INLINE_NEEDS.items() if not any(c in text for c in chars)}
    if not _LINE_BREAK.search(text):
        unneeded.add("linebreak")
    return frozenset(unneeded)


@functools.cache
def _converter(without: frozenset[str]) -> markdown.Markdown:
    converter = markdown.Markdown(extensions=_EXTENSIONS, output_format="html")
    for name in without:
        if name in converter.inlinePatterns:
            converter.inlinePatterns.deregister(name)
    return converter
