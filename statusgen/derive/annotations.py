"""Annotations worked out when asked for, or taken from an earlier build."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from statusgen.derive.sla import annotate
from statusgen.engine.parallel import map_forked
from statusgen.model.sla import Annotation, Deadline, SlaConfig, Target
from statusgen.model.state import IncidentState, Snapshot
from statusgen.outputs.sla_json import as_json

# What a build keeps of a closed incident's annotation for the next one: the incident's
# signature, the annotation as plain values, and its `sla` object as JSON text.
Kept = tuple[str, "AnnotationRecord", str]


class Annotations(Mapping[str, Annotation]):
    """The annotation of every incident that a policy covers, by incident id, each worked out
    the first time it is asked for: a rebuild that reuses a page never needs its annotation.

    With `signature` and `earlier`, a closed incident whose signature is unchanged takes its
    annotation (and its JSON) from an earlier build instead of the calendar arithmetic."""

    def __init__(
        self,
        snapshot: Snapshot,
        config: SlaConfig,
        signature: Callable[[IncidentState], str] | None = None,
        earlier: dict[str, Kept] | None = None,
    ) -> None:
        self._snapshot = snapshot
        self._config = config
        self._signature = signature
        self._earlier = earlier or {}
        self._states = {s.id: s for s in snapshot.incidents}
        self._found: dict[str, Annotation | None] = {}
        self._json: dict[str, str] = {}

    def work_out_all(self) -> None:
        """Work out now, over every core, each annotation not taken from an earlier build.

        A first build needs them all (the report and the API show every incident); asked for
        one by one, each rendering process would work out most of them again."""
        missing = [i for i in self._states if i not in self._found and self.kept(i) is None]
        for incident_id, worked_out in zip(
            missing, map_forked(self._worked_out, missing, minimum=500), strict=True
        ):
            if worked_out is None:
                self._found[incident_id] = None
            else:
                self._found[incident_id] = from_record(worked_out[0], self._config)
                self._json[incident_id] = worked_out[1]

    def _worked_out(self, incident_id: str) -> tuple[AnnotationRecord, str] | None:
        annotation = annotate(self._states[incident_id], self._config, self._snapshot.now)
        if annotation is None:
            return None
        return to_record(annotation), _json_text(annotation)

    def kept(self, incident_id: str) -> Kept | None:
        """The earlier build's record of this incident, if it still holds."""
        state = self._states.get(incident_id)
        found = self._earlier.get(incident_id)
        if state is None or found is None or state.is_open or self._signature is None:
            return None
        return found if found[0] == self._signature(state) else None

    def _annotation(self, incident_id: str) -> Annotation | None:
        if incident_id not in self._found:
            state = self._states.get(incident_id)
            annotation = None
            kept = self.kept(incident_id)
            if kept is not None:
                annotation = from_record(kept[1], self._config)
            if state is not None and annotation is None:
                annotation = annotate(state, self._config, self._snapshot.now)
            self._found[incident_id] = annotation
        return self._found[incident_id]

    def covers(self, incident_id: str) -> bool:
        return self.kept(incident_id) is not None or self._annotation(incident_id) is not None

    def json_text(self, incident_id: str) -> str:
        """The `sla` object of this incident as compact JSON."""
        kept = self.kept(incident_id)
        if kept is not None:
            return kept[2]
        if incident_id not in self._json:
            self._json[incident_id] = _json_text(self[incident_id])
        return self._json[incident_id]

    def to_keep(self) -> dict[str, Kept]:
        """What the next build can reuse: every closed incident's annotation."""
        result = {}
        for incident_id, state in self._states.items():
            if state.is_open or state.is_maintenance or self._signature is None:
                continue
            kept = self.kept(incident_id)
            if kept is None:
                annotation = self._annotation(incident_id)
                if annotation is None:
                    continue
                kept = (self._signature(state), to_record(annotation), self.json_text(incident_id))
            result[incident_id] = kept
        return result

    def __getitem__(self, incident_id: str) -> Annotation:
        annotation = self._annotation(incident_id)
        if annotation is None:
            raise KeyError(incident_id)
        return annotation

    def __iter__(self) -> Iterator[str]:
        return (i for i in self._states if self.covers(i))

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _json_text(annotation: Annotation) -> str:
    return json.dumps(as_json(annotation), ensure_ascii=False, separators=(",", ":"))


AnnotationRecord = tuple[
    str, str, str, tuple[str, ...], tuple[Any, ...] | None, tuple[Any, ...] | None
]


def to_record(annotation: Annotation) -> AnnotationRecord:
    """A closed incident's annotation as plain values, for the build cache."""

    def values(d: Deadline | None) -> tuple[Any, ...] | None:
        if d is None:
            return None
        return (d.clock_start, d.due_at, d.at, d.state, d.elapsed, d.remaining, d.overrun)

    policy = annotation.policy
    return (
        annotation.priority,
        policy.tier,
        policy.priority,
        annotation.tiers,
        values(annotation.first_response),
        values(annotation.resolution),
    )


def from_record(record: AnnotationRecord, config: SlaConfig) -> Annotation | None:
    """The annotation again, with the current configuration's policy; None if it is gone."""
    priority, tier, policy_priority, tiers, first, resolution = record
    policy = config.policies.get((tier, policy_priority))
    if policy is None:
        return None

    def deadline_of(target: Target | None, values: tuple[Any, ...] | None) -> Deadline | None:
        if target is None or values is None:
            return None
        return Deadline(target, *values)

    return Annotation(
        priority,
        policy,
        tiers,
        deadline_of(policy.first_response, first),
        deadline_of(policy.resolution, resolution),
    )
