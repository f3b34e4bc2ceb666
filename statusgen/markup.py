"""Markdown, as engineers write it in incident updates, to HTML that is safe on a public page."""

from __future__ import annotations

import bisect
import functools
import math
import re
from typing import TYPE_CHECKING, Any

import nh3
from markupsafe import Markup

if TYPE_CHECKING:
    import markdown

EXTENSIONS = ("fenced_code", "tables", "sane_lists")
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


class MarkdownProblem(ValueError):
    """A text that Python-Markdown cannot convert in bounded time or stack; the message is a
    phrase to follow "update text", as `markdown_problem` returns it."""


def markdown_to_html(text: str) -> str:
    """Markdown to HTML with no scripts, handlers or javascript: URLs."""
    if not text.strip():  # most incidents have no summary
        return ""
    converter = _converter(_unneeded(text))
    converter.reset()  # an instance keeps state between documents
    try:
        html = converter.convert(text)
    except RecursionError:
        # Only a text that markdown_problem refuses nests this deep; a caller that skipped it
        # gets the same reason rather than a crash.
        converter.reset()
        raise MarkdownProblem(_TOO_DEEP) from None
    return _SANITIZER.clean(html)


@functools.lru_cache(maxsize=4096)
def render_markdown(text: str) -> Markup:
    """The templates' `markdown` filter. (Updates are converted when their file is read; the
    cache serves templates that convert the same texts again.) A text beyond the limits the
    loader applies to updates is refused the same way."""
    problem = text_problem(text)
    if problem is not None:
        raise MarkdownProblem(f"the text given to the markdown filter {problem}")
    return Markup(markdown_to_html(text))


MAX_TEXT = 64 * 1024  # characters of one text: a long post-mortem is a tenth of it


def text_problem(text: str) -> str | None:
    """Why a text cannot be converted in bounded time, if it cannot (to follow "the text")."""
    if len(text) > MAX_TEXT:
        return f"is too long ({len(text):,} characters; at most {MAX_TEXT:,})"
    return markdown_problem(text)


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
    # Imported when first needed: most updates take the fast path, and a rebuild may read none.
    import markdown

    converter = markdown.Markdown(extensions=EXTENSIONS, output_format="html")
    registries: dict[str, markdown.util.Registry[Any]] = {
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


# Python-Markdown does more than linear work in a few places; each limit below keeps one of them
# to a fraction of a second for a text of 64 KB (the most an update may hold), while no real
# update comes near it (README, "Incidents", Limits).
MAX_NESTING = 20
# Lists and quotes recurse, some 5 frames a level: a few hundred levels exhaust the stack.
_TOO_DEEP = f"is nested too deeply (lists and quotes nest at most {MAX_NESTING} levels)"
# Each element and match costs tens of microseconds.
MAX_MARKUP = 3_000
# Each inline match rebuilds the text of its paragraph: markup times paragraph length.
MAX_MARKUP_WORK = 16_000_000
# A heading or rule splits its paragraph, whose rest is split into lines again: marked lines
# times lines.
MAX_MARKED_LINE_WORK = 500_000
# Each "[" (and each "(" right after "]") is read up to its closing bracket, or to the end of
# its paragraph, character by character in Python.
MAX_BRACKET_READ = 100_000
# The HTML parser reads each "<" tag up to its ">", or to the end of the text.
MAX_TAG_READ = 300_000

_MARKUP = "*_`\\&<[|"
# A text this short is within the markup limits whatever it holds (it counts at most three
# times its length: a character, a marked line and a paragraph break), so it skips counting.
_SHORT = min(MAX_MARKUP // 3, math.isqrt(MAX_MARKUP_WORK // 3), math.isqrt(MAX_MARKED_LINE_WORK))
# A line that starts a heading, rule, list item, quote, table row or fence.
_MARKED_LINE = re.compile(r"^ *[-+*=>#|~`_\d]", re.MULTILINE)
_PARAGRAPH_BREAK = re.compile(r"\n *\n")
# Each level takes a character at least (">", "-", or a four-space indent), so a line can be
# nested too deeply only if it starts with this many characters that can open levels. What
# follows an HTML block on its line (after a ">") starts a block too. (A literal first
# character lets the search skip ahead quickly, hence the two patterns.)
_DEEP_FIRST_LINE = re.compile(rf"[ >*+\-.)\d]{{{MAX_NESTING + 1}}}")
_DEEP_LINE = re.compile(rf"[\n>][ >*+\-.)\d]{{{MAX_NESTING + 1}}}")
_PREFIX = re.compile(r"(?:^|(?<=>))(?: |>|[*+-](?= |$)|\d+[.)](?= |$))*", re.MULTILINE)
_MARKER = re.compile(r">|[*+-](?= |$)|\d+[.)](?= |$)", re.MULTILINE)
_MARKUP_CHARACTER = re.compile(r"[*_`\\&<\[|]")
_PLACEHOLDER = 14
_BRACKET = re.compile(r"\]\(|[][()]")
_TAG_OPEN = re.compile(r"<[A-Za-z/!?]|>")


def markdown_problem(text: str) -> str | None:
    """Why converting `text` could take long or fail, as a phrase to follow "update text"
    (for example "is nested too deeply (…)"); None when it converts in bounded time.

    Conversion of a text it accepts, of at most 64 KB, takes well under half a second."""
    # The text as Python-Markdown reads it: a tab is up to four spaces, "\r\n" and "\r" are "\n".
    if "\t" in text:
        text = text.expandtabs(4)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    deep = _DEEP_FIRST_LINE.match(text) or _DEEP_LINE.search(text)
    if deep is not None and _nesting(text) > MAX_NESTING:
        return _TOO_DEEP
    length = len(text)
    most_read = (text.count("[") + text.count("](")) * 3 * length * (1 + _PLACEHOLDER)
    if most_read > MAX_BRACKET_READ:
        read = _bracket_read(text)
        if read > MAX_BRACKET_READ:
            return (
                f"has too many unbalanced brackets ({read:,} characters inside '[' or '(' left "
                f"open or nested; at most {MAX_BRACKET_READ:,})"
            )
    if text.count("<") * length > MAX_TAG_READ:
        read = _tag_read(text)
        if read > MAX_TAG_READ:
            return (
                f"has too many unclosed HTML tags ({read:,} characters after '<' left open; "
                f"at most {MAX_TAG_READ:,})"
            )
    if length <= _SHORT:
        return None
    marked = len(_MARKED_LINE.findall(text))
    markup = _markup(text, marked) + text.count("\n\n")
    if markup > MAX_MARKUP:
        return (
            f"has too much markup ({markup:,} markup characters, list items and paragraphs; "
            f"at most {MAX_MARKUP:,})"
        )
    lines = text.count("\n") + 1
    if markup * length > MAX_MARKUP_WORK or marked * lines > MAX_MARKED_LINE_WORK:
        return _paragraph_problem(text)
    return None


def _paragraph_problem(text: str) -> str | None:
    for paragraph in _PARAGRAPH_BREAK.split(text):
        marked, length = len(_MARKED_LINE.findall(paragraph)), len(paragraph)
        count = _markup(paragraph, marked)
        if count * length > MAX_MARKUP_WORK:
            return (
                f"has too much markup in one paragraph ({count:,} markup characters in "
                f"{length:,} characters; at most {MAX_MARKUP_WORK // length:,} in a paragraph "
                "this long)"
            )
        lines = paragraph.count("\n") + 1
        if marked * lines > MAX_MARKED_LINE_WORK:
            return (
                f"has too many headings, rules, list items or table rows in one paragraph "
                f"({marked:,} in {lines:,} lines; at most {MAX_MARKED_LINE_WORK // lines:,} in a "
                "paragraph this long)"
            )
    return None


def _markup(text: str, marked: int) -> int:
    """Markup characters, hard line breaks and `marked` lines: what costs the converter work."""
    breaks = text.count("  \n")
    return sum(text.count(c) for c in _MARKUP) + breaks + marked


def _nesting(text: str) -> int:
    """An upper bound of how deep lists and quotes nest: on each line, the list and quote
    markers that open it, and its indentation, which continues only lists already open."""
    deepest = 0
    for prefix in _PREFIX.findall(text):
        if not prefix:
            continue
        markers = len(_MARKER.findall(prefix))
        depth = markers + min(prefix.count(" ") // 4, deepest)
        deepest = max(deepest, depth)
    return deepest


def _bracket_read(text: str) -> int:
    """How many characters the link patterns read: from each "[" to its "]", and from each
    "(" right after "]" to its ")", or to the end of the paragraph when it stays open."""
    # By then each match of an earlier pattern (a code span, say) has become a placeholder
    # of up to 14 characters, and with a reference definition three patterns read each "[".
    markup = [match.start() for match in _MARKUP_CHARACTER.finditer(text)]

    def span(start: int, end: int) -> int:
        inside = bisect.bisect_left(markup, end) - bisect.bisect_left(markup, start)
        return end - start + _PLACEHOLDER * inside

    patterns = 3 if "]:" in text else 1
    read = 0
    for start, end in _paragraphs(text):
        squares: list[int] = []
        rounds: list[tuple[int, bool]] = []
        for match in _BRACKET.finditer(text, start, end):
            char, at = match.group(), match.start()
            if char in ("]", "](") and squares:
                read += span(squares.pop(), at) * patterns
            if char == "[":
                squares.append(at)
            elif char == "](":
                rounds.append((at + 1, True))
            elif char == "(":
                rounds.append((at, False))
            elif char == ")" and rounds:
                opened, link = rounds.pop()
                if link:
                    # A quote starts a title, in which brackets no longer count.
                    read += span(opened, end if _quoted(text, opened, at) else at)
            if read > MAX_BRACKET_READ:
                return read
        read += sum(span(at, end) * patterns for at in squares)
        read += sum(span(at, end) for at, link in rounds if link)
    return read


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """The start and end of each run of lines without a blank line."""
    spans, start = [], 0
    for match in _PARAGRAPH_BREAK.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return spans


def _tag_read(text: str) -> int:
    """How many characters the HTML parser reads: from each "<" that may open a tag to the
    next ">", or to the end of the text when a quote (which may hide a ">") or "<!" comes
    first."""
    read = 0
    pending: list[int] = []
    for match in _TAG_OPEN.finditer(text):
        at = match.start()
        if match.group() != ">":
            pending.append(at)
            continue
        for opened in pending:
            plain = text[opened + 1] != "!" and not _quoted(text, opened, at)
            read += (at if plain else len(text)) - opened
            if read > MAX_TAG_READ:
                return read
        pending.clear()
    return read + sum(len(text) - at for at in pending)


def _quoted(text: str, start: int, end: int) -> bool:
    return text.find('"', start, end) >= 0 or text.find("'", start, end) >= 0
