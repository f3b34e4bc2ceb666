"""Keys of outputs: digests of what each shows."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from statusgen.model.state import IncidentState

if TYPE_CHECKING:
    pass


class Signatures:
    """Digests of what each output shows, for deciding what can be reused."""

    def __init__(self, fingerprint: str, now: datetime) -> None:
        self.fingerprint = fingerprint
        self.now = now.isoformat()
        # By the incident's identity, for the live signature and the content one; each entry
        # keeps its incident alive, so no identity is reused during the build.
        self._states: tuple[dict[int, tuple[str, IncidentState]], ...] = ({}, {})
        self._groups: dict[tuple[int, bool], tuple[str, Sequence[IncidentState]]] = {}

    def state(self, state: IncidentState) -> str:
        """An incident as shown at build time: its file, the updates visible so far, and the
        build time itself while it is open (durations, estimates and SLA clocks move)."""
        return self._signature(state, live=True)

    def content(self, state: IncidentState) -> str:
        """An incident's file and visible updates, without the build time: for outputs that
        show updates as they were posted, such as feeds."""
        return self._signature(state, live=False)

    def _signature(self, state: IncidentState, live: bool) -> str:
        known = self._states[live]
        found = known.get(id(state))
        if found is None:
            # The file's digest fixes its content; the count of updates shown so far fixes which
            # of them are visible (later ones are hidden) and which transitions happened.
            signature = (
                f"{state.id}:{state.incident.digest}:{len(state.updates)}:{state.status.value}"
            )
            if live and state.is_open:
                signature += f":{self.now}"
            found = known[id(state)] = (signature, state)
            if not state.is_open:  # a closed incident's two signatures are one
                self._states[not live][id(state)] = found
        return found[0]

    def everything(self, states: Sequence[IncidentState], live: bool = True) -> str:
        """One digest of all these incidents as shown, for outputs that draw on each of them."""
        found = self._groups.get((id(states), live))
        if found is None:
            signature = self.state if live else self.content
            digest = hashlib.blake2b("\n".join(map(signature, states)).encode(), digest_size=20)
            found = self._groups[(id(states), live)] = (digest.hexdigest(), states)
        return found[0]

    def key(self, *parts: Any) -> str:
        """The key of an output made from `parts` (strings, numbers and tuples of them)."""
        if all(type(part) is str for part in parts):  # the common case, made cheap
            text = "\x1f".join((self.fingerprint, *parts))
            return hashlib.blake2b(text.encode(), digest_size=20).hexdigest()
        return _digest((self.fingerprint, parts))


def _digest(parts: Any) -> str:
    return hashlib.blake2b("\x1f".join(_flat(parts)).encode(), digest_size=20).hexdigest()


def _flat(parts: Any) -> Iterator[str]:
    """Strings and numbers as they are, tuples opened with their length (so nesting counts)."""
    if isinstance(parts, tuple | list):
        yield f"({len(parts)}"
        for part in parts:
            yield from _flat(part)
    else:
        yield str(parts)
