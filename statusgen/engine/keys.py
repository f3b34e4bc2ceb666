"""The key of each output: a digest of everything it declares it shows (see outputs.base.Shows),
and of the fingerprint, which every output shows. An output whose key is the one it had in the
previous build is the same file, and need not be drawn again."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from statusgen.model.state import IncidentState
from statusgen.outputs.base import Output


class Keys:
    def __init__(self, fingerprint: str, now: datetime) -> None:
        self.fingerprint = fingerprint
        self.now = now.isoformat()
        # By the incident's identity, for the live signature and the posted one; each entry
        # keeps its incident alive, so no identity is reused during the build.
        self._states: tuple[dict[int, tuple[str, IncidentState]], ...] = ({}, {})
        self._groups: dict[tuple[int, bool], tuple[str, Sequence[IncidentState]]] = {}

    def of(self, output: Output) -> str | None:
        """The output's key; None for one that declares nothing (it is drawn every time)."""
        shows = output.shows
        if shows is None:
            return None
        parts = [self.fingerprint, output.path, self._all(shows.incidents, shows.live)]
        if shows.clock:
            parts.append(self.now)
        parts.extend(shows.values)
        return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=20).hexdigest()

    def state(self, state: IncidentState) -> str:
        """An incident as shown at build time: its file, the updates visible so far, and the
        build time itself while it is open (durations, estimates and SLA clocks move)."""
        return self._signature(state, live=True)

    def kept(self, state: IncidentState) -> str:
        """What a record of the incident kept for later builds holds for: the incident as
        shown, and everything else that shapes it (the fingerprint)."""
        return f"{self.fingerprint}:{self.state(state)}"

    def _signature(self, state: IncidentState, live: bool) -> str:
        known = self._states[live]
        found = known.get(id(state))
        if found is None:
            # The file's digest fixes its content; the count of updates shown so far fixes which
            # of them are visible (later ones are hidden) and which transitions happened.
            signature = (
                f"{state.id}:{state.incident.digest}:{len(state.updates)}:{state.status.value}"
            )
            # The transitions made on schedule are not in the file: which ones show depends on
            # the time and on the updates posted (a late "Completed" replaces the automatic one).
            automatic = [u for u in state.updates if u.automatic]
            if automatic:
                signature += ":" + ",".join(
                    f"{u.status.value}@{u.at.isoformat()}" for u in automatic
                )
            if live and state.is_open:
                signature += f":{self.now}"
            found = known[id(state)] = (signature, state)
            if not state.is_open:  # a closed incident's two signatures are one
                self._states[not live][id(state)] = found
        return found[0]

    def _all(self, states: Sequence[IncidentState], live: bool) -> str:
        if len(states) == 1:
            return self._signature(states[0], live)
        found = self._groups.get((id(states), live))
        if found is None:
            text = "\n".join(self._signature(state, live) for state in states)
            digest = hashlib.blake2b(text.encode(), digest_size=20).hexdigest()
            found = self._groups[(id(states), live)] = (digest, states)
        return found[0]
