"""Reading YAML with line numbers, timestamps and names: the helpers load.py and config.py share."""

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
from yaml.nodes import MappingNode, Node, SequenceNode

from .errors import SourceError, SourceRef

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
_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?\s*(?:Z|[+-]\d{2}:?\d{2})?"
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
        return [(self._child(k), self._child(v)) for k, v in self.node.value]

    def elements(self) -> list[Located]:
        """The elements of a sequence, each with its own line."""
        assert isinstance(self.node, SequenceNode)
        return [self._child(n) for n in self.node.value]

    def fields(self) -> dict[str, Located]:
        return {str(k.node.value): v for k, v in self.items()}

    def _child(self, node: Node) -> Located:
        return Located(node, self.path, self.first_line)


def parse_yaml(text: str, path: str, first_line: int) -> Located | None:
    """Parse one YAML document whose first line is `first_line` of the file `path`."""
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
    return Located(node, path, first_line)


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


def parse_timestamp(raw: object, tz: ZoneInfo | None) -> datetime | None:
    """The instant, read in `tz` unless it names its own offset (naive without a `tz`), or None
    when `raw` is malformed."""
    text = str(raw).strip()
    if not _TIMESTAMP.fullmatch(text):
        return None
    try:
        value = datetime.fromisoformat(text.replace(" ", "T", 1).replace(" ", ""))
    except ValueError:
        return None
    if tz is None:
        return value
    # Kept in UTC: comparisons and the build cache are cheaper, and outputs convert anyway.
    return (value if value.tzinfo else value.replace(tzinfo=tz)).astimezone(UTC)


def located_timestamp(field: Located, tz: ZoneInfo) -> datetime:
    """The timestamp in `field`, or a SourceError saying which forms are accepted."""
    value = parse_timestamp(field.value, tz)
    if value is None:
        raise field.error(f"malformed timestamp '{field.value}' (expected {TIMESTAMP_FORMS})")
    return value


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
    text = str(field.value).strip().lower()
    if text not in choices:
        raise field.error(f"unknown {name} '{field.value}' (allowed: {', '.join(choices)})")
    return text
