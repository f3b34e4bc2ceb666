"""Update texts convert to the same HTML whichever Markdown instance converts them, and any text
the pre-check accepts converts in bounded time."""

from __future__ import annotations

import random
import time

import markdown
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from statusgen.markup import (
    EXTENSIONS,
    MAX_NESTING,
    MarkdownProblem,
    _converter,
    _unneeded,
    markdown_problem,
    markdown_to_html,
    render_markdown,
)

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
    converter = markdown.Markdown(extensions=EXTENSIONS, output_format="html")
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
    reference = markdown.Markdown(extensions=EXTENSIONS, output_format="html")
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


# Each took seconds to convert (or crashed) at this size before the pre-check refused it.
PATHOLOGICAL = [
    ("[" * 10_000, "has too many unbalanced brackets"),
    ("[a " * 3_000, "has too many unbalanced brackets"),
    ("![" * 5_000, "has too many unbalanced brackets"),
    ("[a](" * 2_500, "has too many unbalanced brackets"),
    ("[" * 2_000 + "]" * 2_000, "has too many unbalanced brackets"),
    ("[a]: http://x\n\n" + "[a][" * 2_500, "has too many unbalanced brackets"),
    ("<a " * 3_000, "has too many unclosed HTML tags"),
    ('<p a="' * 2_000, "has too many unclosed HTML tags"),
    ("<http://" * 1_500, "has too many unclosed HTML tags"),
    ("*a" * 32_000, "has too much markup"),
    ("`a" * 32_000, "has too much markup"),
    ("\\" * 64_000, "has too much markup"),
    ("a  \n" * 16_000, "has too much markup"),
    ("a\t\n" * 16_000, "has too much markup"),
    ("<div>" * 12_800, "has too much markup"),
    ("`|\n" * 3_000, "has too much markup"),
    ("a\n\n" * 20_000, "has too much markup"),
    ("---\n" * 1_000 + "word " * 4_000, "has too much markup in one paragraph"),
    ("a\n=\n" * 1_000, "has too many headings, rules, list items or table rows in one paragraph"),
    ("- " * 400 + "x", "is nested too deeply"),
    ("1. " * 400 + "x", "is nested too deeply"),
    ("> " * 400 + "x", "is nested too deeply"),
    (">" * 1_000 + " x", "is nested too deeply"),
    ("\n".join("    " * i + "- x" for i in range(200)), "is nested too deeply"),
    ("\n".join("\t" * i + "- x" for i in range(400)), "is nested too deeply"),
    ("<!-- note -->" + "- " * 600 + "x", "is nested too deeply"),
]


@pytest.mark.parametrize(("text", "reason"), PATHOLOGICAL, ids=lambda v: repr(v)[:24])
def test_pathological_texts_are_refused_with_their_reason(text: str, reason: str) -> None:
    problem = markdown_problem(text)
    assert problem is not None and problem.startswith(reason), problem
    assert problem.endswith(")") and "at most" in problem


def converts_quickly(text: str) -> str:
    assert markdown_problem(text) is None
    start = time.perf_counter()
    html = markdown_to_html(text)
    # Conversion takes well under half a second; the bound is loose for slow machines.
    assert time.perf_counter() - start < 2
    return html


def test_lists_nested_to_the_limit_convert() -> None:
    html = converts_quickly("- " * MAX_NESTING + "x")
    assert html.count("<ul>") == MAX_NESTING and "<li>x</li>" in html
    indented = "\n".join("    " * i + f"- item {i}" for i in range(MAX_NESTING))
    html = converts_quickly(indented)
    assert html.count("<ul>") == MAX_NESTING and "<li>item 19</li>" in html
    assert markdown_problem("- " * (MAX_NESTING + 1) + "x") is not None


def test_quotes_nested_to_the_limit_convert() -> None:
    html = converts_quickly("> " * MAX_NESTING + "x")
    assert html.count("<blockquote>") == MAX_NESTING and "<p>x</p>" in html
    assert markdown_problem("> " * (MAX_NESTING + 1) + "x") is not None


def test_deep_indentation_in_code_is_not_nesting() -> None:
    code = "```\n" + "\n".join(" " * (4 * i) + "{" for i in range(40)) + "\n```"
    html = converts_quickly("- a\n\n" + code)
    assert "<pre><code>" in html and " " * 156 + "{" in html


def test_an_unclosed_bracket_in_a_long_text_converts() -> None:
    html = converts_quickly("See [the notes " + "word " * 12_000)
    assert html.startswith("<p>See [the notes word")


def test_links_and_emphasis_up_to_the_limits_convert() -> None:
    links = "\n".join(f"- [Ticket {i}](https://example.com/{i}) is **fixed**" for i in range(100))
    html = converts_quickly(links)
    assert html.count('<a href="https://example.com/') == 100 and html.count("<strong>") == 100
    emphasis = "*a* " * 1_400
    html = converts_quickly(emphasis)
    assert html.count("<em>a</em>") == 1_400


def test_unclosed_tags_up_to_the_limit_convert() -> None:
    html = converts_quickly("Use <kbd>Ctrl</kbd> then <b>retry " + "word " * 5_000)
    assert "<kbd>Ctrl</kbd>" in html and "retry word" in html


def test_headings_and_tables_up_to_the_limits_convert() -> None:
    headings = "\n".join(f"### Step {i}\nDone." for i in range(300))
    html = converts_quickly(headings)
    assert html.count("<h3>") == 300
    table = "| a | b |\n|---|---|\n" + "| 1 | 2 |\n" * 600
    html = converts_quickly(table)
    assert html.count("<tr>") == 601


def test_a_text_too_deep_for_the_stack_is_refused_by_the_converter_too() -> None:
    with pytest.raises(MarkdownProblem, match="is nested too deeply"):
        markdown_to_html("- " * 2_000 + "x")
    assert markdown_to_html("- x") == "<ul>\n<li>x</li>\n</ul>"  # the instance is reusable


SIGNIFICANT = [
    "[", "]", "(", ")", "![", "](", "<", ">", "<a ", "</", "<!--", "-->", "*", "_", "`", "```",
    "\\", "&", "|", "#", "=", "-", "+", "1.", "> ", "- ", "    ", "\t", " ", "  \n", "\n",
    "\n\n", "\r", '"', "'", "a", "word ", "[a]: http://x\n", "http://x", "@",
]  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(st.sampled_from(SIGNIFICANT), st.integers(1, 400)), min_size=1, max_size=12)
)
def test_any_text_the_check_accepts_converts(runs: list[tuple[str, int]]) -> None:
    text = "".join(piece * count for piece, count in runs)[:4_000]
    if markdown_problem(text) is None:
        start = time.perf_counter()
        assert isinstance(markdown_to_html(text), str)
        assert time.perf_counter() - start < 2
