"""Text for readers that show no HTML: names and update bodies as plain text (the JSON API)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_TAG = re.compile(r"<[A-Za-z/!?][^>]*>")  # what an HTML parser reads as a tag or comment
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")


def plain_name(text: str) -> str:
    """A name as written (pages show it so), without anything an HTML parser reads as a tag."""
    if "<" not in text:
        return text
    # Until nothing changes: removing "<b>" from "<<b>img …>" would leave a tag of its own.
    previous = None
    while previous != text:
        previous, text = text, _TAG.sub("", text)
    return " ".join(_TAG_START.sub("", text).split())  # and a tag left open, "<img src=x …"


def plain_text(html: str) -> str:
    """The text a reader sees in an update's sanitized HTML: paragraphs apart, list items as
    `- ` lines, links as `text (url)`, entities decoded."""
    inner = html.removeprefix("<p>").removesuffix("</p>")
    if "<" not in inner and "&" not in inner:  # most updates: one plain paragraph
        return " ".join(inner.split())
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    return parser.text()


_PARAGRAPHS = frozenset(
    {"p", "h3", "h4", "h5", "h6", "blockquote", "pre", "ul", "ol", "dl", "table", "hr"}
)
_LINES = frozenset({"li", "dt", "dd", "tr", "br"})


class _TextParser(HTMLParser):
    """Reads the tags `markup.py` lets through (its sanitizer removed every other one)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.breaks = 0  # line breaks owed before the next text: 1, or 2 between paragraphs
        self.pre = 0
        self.lists: list[int | None] = []  # per open list: the last number, or None if bulleted
        self.links: list[tuple[str, int]] = []  # per open link: its URL and where its text starts
        self.cells = 0  # cells begun in the current table row

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in "".join(self.parts).split("\n")).strip()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _PARAGRAPHS:
            self._break(1 if self.lists else 2)
        elif tag in _LINES:
            self._break(1)
        if tag == "pre":
            self.pre += 1
        elif tag in ("ul", "ol"):
            self.lists.append(0 if tag == "ol" else None)
        elif tag == "li" and self.lists:
            number = self.lists[-1]
            if number is not None:
                self.lists[-1] = number + 1
            marker = "- " if number is None else f"{number + 1}. "
            self._write("  " * (len(self.lists) - 1) + marker)
        elif tag == "tr":
            self.cells = 0
        elif tag in ("td", "th"):
            if self.cells:
                self.parts[-1] = self.parts[-1].rstrip(" ")
                self._write(" | ")
            self.cells += 1
        elif tag == "a":
            self.links.append((dict(attrs).get("href") or "", len(self.parts)))

    def handle_endtag(self, tag: str) -> None:
        if tag in _PARAGRAPHS:
            self._break(1 if self.lists and tag not in ("ul", "ol") else 2)
        elif tag in _LINES:
            self._break(1)
        if tag == "pre":
            self.pre = max(0, self.pre - 1)
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
            self._break(1 if self.lists else 2)
        elif tag == "a" and self.links:
            url, start = self.links.pop()
            shown = "".join(self.parts[start:]).strip()
            if url and url not in (shown, f"mailto:{shown}"):
                self.parts.append(f" ({url})" if shown else url)

    def handle_data(self, data: str) -> None:
        if not self.pre:  # white space as a browser shows it: one space, none at a line's start
            words = " ".join(data.split())
            starts_line = self.breaks or not self.parts or self.parts[-1].endswith(("\n", " "))
            if data[:1].isspace() and not starts_line:
                words = " " + words
            if words and data[-1:].isspace() and words != " ":
                words += " "
            data = words
            if not data:
                return
        self._write(data)

    def _break(self, count: int) -> None:
        self.breaks = max(self.breaks, count)

    def _write(self, text: str) -> None:
        if self.breaks and self.parts:
            last = self.parts[-1]
            owed = self.breaks - (len(last) - len(last.rstrip("\n")))
            self.parts.append("\n" * owed)
        self.breaks = 0
        self.parts.append(text)
