"""Reading YAML with line numbers, timestamps and names: what every reader of content shares."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from statusgen.errors import SourceError, SourceRef

try:  # libyaml is an order of magnitude faster when it is installed
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]


class _Loader(_BaseLoader):
    """Safe YAML, but timestamps stay strings: we parse them in the site's time zone."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}

ID_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_ID = 100  # characters: an id names files, whose names a file system keeps short
# An offset's minutes run to 59: fromisoformat alone would read +00:99 as 1 h 39 min.
_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?\s*(?:Z|[+-]\d{2}:?[0-5]\d)?"
)
TIMESTAMP_FORMS = "YYYY-MM-DD HH:MM[:SS] or ISO 8601 like 2026-11-20T14:02:00Z"


_constructor = SafeConstructor()


@dataclass(frozen=True, slots=True)
class Located:
    """A YAML node of a file, with the line it was written on."""

    node: Node
    path: str
    first_line: int  # the file line of the YAML text's first line

    @property
    def where(self) -> SourceRef:
        return SourceRef(self.path, self.first_line + self.node.start_mark.line)

    @property
    def value(self) -> Any:
        return _constructor.construct_document(self.node)

    @property
    def is_mapping(self) -> bool:
        return isinstance(self.node, MappingNode)

    @property
    def is_sequence(self) -> bool:
        return isinstance(self.node, SequenceNode)

    def error(self, message: str) -> SourceError:
        return SourceError(self.where, message)

    def items(self) -> list[tuple[Located, Located]]:
        """The (key, value) pairs of a mapping, each with its own line."""
        assert isinstance(self.node, MappingNode)
        return [(self.at(k), self.at(v)) for k, v in self.node.value]

    def elements(self) -> list[Located]:
        """The elements of a sequence, each with its own line."""
        assert isinstance(self.node, SequenceNode)
        return [self.at(n) for n in self.node.value]

    def fields(self) -> dict[str, Located]:
        return {str(k.node.value): v for k, v in self.items()}

    def at(self, node: Node) -> Located:
        """Another node of the same file."""
        return Located(node, self.path, self.first_line)


def parse_yaml(text: str, path: str, first_line: int, errors: list[SourceError]) -> Located | None:
    """Parse one YAML document whose first line is `first_line` of the file `path`.

    A document that cannot be read safely (bad syntax, a tag, an alias that refers to itself or
    expands too far, a key that is not text) raises a SourceError; a duplicate key is appended to
    `errors`, with every other duplicate, and the document is still returned."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + (mark.line if mark else 0)
        problem = exc.problem or exc.context or "cannot be parsed"
        raise SourceError(SourceRef(path, line), f"invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise SourceError(SourceRef(path, first_line), f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    document = Located(node, path, first_line)
    errors.extend(_vet(document, text))
    return document


# C0 and C1 controls but tab, line feed and carriage return, and the two noncharacters XML
# refuses: invisible on a page, and fatal to the feeds' XML.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
MAX_YAML_VALUES = 100_000  # after aliases are expanded: a few levels of anchors reach billions
_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "seq", "map")
)


def _vet(document: Located, text: str) -> list[SourceError]:
    """Refuse what would make reading the document unsafe or unbounded; return its duplicate keys.

    Run on every incident's front matter, so the common case is kept lean: without a '*' the
    document has no alias (its nodes form a tree no larger than the text), and without a '!' or
    a '<<' every tag is one of the plain ones."""
    tagged = "!" in text or "<<" in text
    escaped = "\\" in text  # a quoted value can spell a control character as an escape
    duplicates: list[SourceError] = []
    visited: set[int] = set()
    stack: list[Node] = [document.node]
    while stack:
        node = stack.pop()
        if id(node) in visited:  # a node an alias shares: vetted once
            continue
        visited.add(id(node))
        if tagged and node.tag not in _PLAIN_TAGS:
            raise _tag_error(document, node)
        if isinstance(node, MappingNode):
            duplicates.extend(_duplicates(document, node))
            stack.extend(part for pair in node.value for part in pair)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
        elif node.tag == _INT and len(node.value) > _LONGEST_INT:
            raise document.at(node).error(f"number '{node.value[:40]}' is too long")
        elif escaped and (control := CONTROL.search(node.value)) is not None:
            raise document.at(node).error(
                f"control character U+{ord(control.group()):04X} in a quoted value (remove its "
                "escape: text may hold tabs and line breaks, but no other controls)"
            )
    if "*" in text:
        _check_aliases(document)
    return duplicates


def _tag_error(document: Located, node: Node) -> SourceError:
    here = document.at(node)
    if node.tag == "tag:yaml.org,2002:merge":
        return here.error("YAML merge keys ('<<') are not supported (write the keys out)")
    return here.error(
        f"YAML tag '{node.tag.removeprefix('tag:yaml.org,2002:')}' is not allowed "
        "(plain text, numbers, true/false, lists and mappings only)"
    )


def _duplicates(document: Located, mapping: MappingNode) -> list[SourceError]:
    """The keys of `mapping` that an earlier key repeats; SourceError if a key is not text."""
    keys: set[str] = set()
    found = []
    for key, _ in mapping.value:
        if not isinstance(key, ScalarNode):
            raise document.at(key).error("a key must be plain text, not a list or a mapping")
        if key.value in keys:
            found.append(_duplicate(document, mapping, key))
        keys.add(key.value)
    return found


_INT = "tag:yaml.org,2002:int"
_LONGEST_INT = 4000  # digits; Python refuses to convert a longer text to an int


def _duplicate(document: Located, mapping: MappingNode, key: ScalarNode) -> SourceError:
    first = next(k for k, _ in mapping.value if isinstance(k, ScalarNode) and k.value == key.value)
    line = document.at(first).where.line
    return document.at(key).error(f"duplicate key '{key.value}' (also on line {line})")


def _check_aliases(document: Located) -> None:
    """Refuse an alias inside the value it names, and aliases that expand too far.

    Each shared node is counted by the size it expands to, once, so a small file cannot expand
    to millions of values however its anchors nest, nor take long to find out."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[Node, bool]] = [(document.node, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            open_nodes.discard(id(node))
            size = 1 + sum(sizes[id(child)] for child in _children(node))
            if size > MAX_YAML_VALUES:
                raise document.at(node).error(
                    f"YAML expands to more than {MAX_YAML_VALUES:,} values through its aliases "
                    "(write the values out, or use fewer '*' references)"
                )
            sizes[id(node)] = size
            continue
        if id(node) in sizes:
            continue
        if id(node) in open_nodes:
            raise document.at(node).error("YAML alias refers to the value that contains it")
        open_nodes.add(id(node))
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node))


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


def check_keys(mapping: Located, allowed: Iterable[str], what: str) -> list[SourceError]:
    """An error for each key that is not allowed, suggesting the closest allowed one."""
    allowed = sorted(allowed)
    errors = []
    for key, _ in mapping.items():
        name = str(key.node.value)
        if name not in allowed:
            errors.append(key.error(f"unknown {what} key '{name}'{suggest(name, allowed)}"))
    return errors


def suggest(name: str, known: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the closest known name, or the list of known names."""
    known = sorted(known)
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if close:
        return f" (did you mean '{close[0]}'?)"
    shown = ", ".join(known[:12]) + (", ..." if len(known) > 12 else "")
    return f" (allowed: {shown})" if known else ""


YEARS = range(1970, 2200)  # what every stage can compute with, deadlines a year later included


def read_timestamp(raw: object, tz: ZoneInfo | None) -> datetime:
    """The instant, read in `tz` unless it names its own offset (naive without a `tz`); a
    ValueError saying what is wrong when `raw` is malformed or out of range."""
    text = str(raw).strip()
    value = None
    if _TIMESTAMP.fullmatch(text):
        try:
            value = datetime.fromisoformat(text.replace(" ", "T", 1).replace(" ", ""))
        except ValueError:
            pass
    if value is None:
        raise ValueError(f"malformed timestamp '{text[:60]}' (expected {TIMESTAMP_FORMS})")
    if value.year not in YEARS:
        raise ValueError(f"timestamp '{text}' is out of range (years {YEARS[0]} to {YEARS[-1]})")
    if tz is None:
        return value
    # Kept in UTC: comparisons and the build cache are cheaper, and outputs convert anyway.
    return (value if value.tzinfo else value.replace(tzinfo=tz)).astimezone(UTC)


def parse_timestamp(raw: object, tz: ZoneInfo | None) -> datetime | None:
    """The instant, as read_timestamp reads it, or None when `raw` is malformed or out of range."""
    try:
        return read_timestamp(raw, tz)
    except ValueError:
        return None


def located_timestamp(field: Located, tz: ZoneInfo, name: str) -> datetime:
    """The timestamp in `field` (the value of the key `name`), or a SourceError naming the key
    and the accepted forms."""
    try:
        return read_timestamp(field.value, tz)
    except ValueError as problem:
        raise field.error(f"{name}: {problem}") from None


def located_text(field: Located, name: str) -> str:
    """A non-empty string value."""
    if not isinstance(field.value, str | int | float) or isinstance(field.value, bool):
        raise field.error(f"'{name}' must be text")
    text = str(field.value).strip()
    if not text:
        raise field.error(f"'{name}' must not be empty")
    return text


def located_choice(field: Located, name: str, choices: Iterable[str]) -> str:
    """One of `choices`, compared case-insensitively."""
    choices = list(choices)
    if field.value is None:  # not the text 'None', which the choices may hold
        raise field.error(f"{name} is empty (allowed: {', '.join(choices)})")
    text = str(field.value).strip().lower()
    if text not in choices:
        raise field.error(f"unknown {name} '{field.value}' (allowed: {', '.join(choices)})")
    return text
