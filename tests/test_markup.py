"""Update texts convert to the same HTML whichever Markdown instance converts them."""

from __future__ import annotations

import random

import markdown
import pytest

from statusgen.markup import _EXTENSIONS, _converter, _unneeded, render_markdown

PIECES = [
    "word", "two words", "*", "**", "_", "__", "`", "``", "[", "]", "(", ")", "!", "<", ">", "&",
    "&amp;", "&#39;", "\\", "\\*", "  \n", "\n", "\n\n", "\t", "|", "---", "- ", "1. ", "> ", "# ",
    "```", "~~~", "    ", "http://example.com", "<b>", "</b>", "<https://x.example>",
    "<ops@example.com>", "[x](http://y.example)", "[x]: http://z.example", "![i](u.png)", " ",
    "\r\n", "\r", "snake_case", "2*3", "a|b|c\n---|---|---\n1|2|3", "<!-- note -->", "é",
    "\n=", "\n===\n", "\n- - -\n", "\n***\n", "+ ", "* ", "2. ", "1) ", "\n    code", "\n\t",
    "\n> quote", "\n[ref]: http://r.example", "[ref]", "## Title ##", "~~~python\nx\n~~~",
]  # fmt: skip

SAMPLES = [
    "We are investigating reports of elevated error rates.",
    "Line one  \nLine two",
    "Line one\t\nLine two",
    "Tab\tinside",
    "Rolled back **the release** and `v2.3` is live; see [status](https://example.com).",
    "Fish & chips &amp; more &copy;",
    "- Queued jobs will be retried\n- No data was lost",
    "```\ncode with *stars* and <tags>\n```",
    "<div>raw</div>\n\nAfter",
    "Escaped \\*not emphasis\\*",
    "snake_case_identifiers stay as they are",
    "Heading\n=======\n\nText",
    "1. first\n2. second\n\n    indented code",
    "> quoted *text*\n\n---",
    "[ref]: https://example.com\n\nSee [the ref][ref].",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "![logo][ref] and [the notes][ref]\n\n[ref]: https://example.com/a.png",
    "See [ref] and ![ref]\n\n[ref]: https://example.com/b.png",
    "[undefined][nowhere] and [plain](https://example.com) ![pic](https://example.com/c.png)",
]


def full_html(text: str) -> str:
    converter = markdown.Markdown(extensions=_EXTENSIONS, output_format="html")
    return converter.convert(text)


def pruned_html(text: str) -> str:
    converter = _converter(_unneeded(text))
    converter.reset()
    return converter.convert(text)


def random_texts(count: int) -> list[str]:
    rng = random.Random(2026)
    return ["".join(rng.choices(PIECES, k=rng.randint(1, 14))) for _ in range(count)]


@pytest.mark.parametrize("text", SAMPLES)
def test_samples_convert_as_with_every_pattern(text: str) -> None:
    assert pruned_html(text) == full_html(text)


def test_random_texts_convert_as_with_every_pattern() -> None:
    reference = markdown.Markdown(extensions=_EXTENSIONS, output_format="html")
    for text in random_texts(3000):
        reference.reset()
        assert pruned_html(text) == reference.convert(text), repr(text)


def test_a_plain_sentence_skips_the_patterns_it_cannot_match() -> None:
    plain = _converter(_unneeded("The API is back to normal (ticket OPS 1)."))
    patterns = plain.inlinePatterns
    assert "link" not in patterns and "em_strong" not in patterns and "linebreak" not in patterns
    assert "table" not in plain.parser.blockprocessors and "html_block" not in plain.preprocessors
    assert "link" in _converter(_unneeded("See [the notes](https://example.com).")).inlinePatterns


def test_rendered_markdown_is_sanitized() -> None:
    html = render_markdown(
        'Hi <script>alert(1)</script> [x](javascript:alert(1)) <b onclick="x">b</b>'
    )
    assert "<script" not in html and "javascript:" not in html and "onclick" not in html


@pytest.mark.parametrize("text", ["", "  \n\t\n"])
def test_blank_texts_convert_to_nothing(text: str) -> None:
    assert render_markdown(text) == full_html(text) == ""
