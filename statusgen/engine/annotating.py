"""SLA annotations: worked out over every core, and a closed incident's kept from one build
for the next (its deadlines are final: the same incident gives the same annotation)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from statusgen.derive.sla import annotate
from statusgen.engine.parallel import map_forked
from statusgen.model.sla import Annotation, Deadline, SlaConfig, Target
from statusgen.model.state import IncidentState, Snapshot
from statusgen.outputs.sla_json import sla_json_text

# What a build keeps of a closed incident's annotation for the next one: the incident's
# signature, the annotation as plain values, and its `sla` object as JSON text.
Kept = tuple[str, "AnnotationRecord", str]

_PARALLEL = 500  # incidents; fewer are worked out faster than a process starts


def work_out(
    snapshot: Snapshot,
    config: SlaConfig,
    signature: Callable[[IncidentState], str],
    earlier: Mapping[str, Kept],
) -> tuple[dict[str, Annotation], dict[str, str], dict[str, Kept]]:
    """Every incident's annotation, by id, and the JSON text of those taken from `earlier`
    (a closed incident's, while its signature is the same), and what the next build can keep.

    `signature` must change whenever anything the annotation depends on does."""
    found: dict[str, Annotation] = {}
    texts: dict[str, str] = {}
    keep: dict[str, Kept] = {}
    missing: list[IncidentState] = []
    for state in snapshot.incidents:
        incident_id = state.incident.id
        kept = earlier.get(incident_id)
        if kept is not None and not state.is_open and kept[0] == signature(state):
            annotation = from_record(kept[1], config)
            if annotation is not None:
                found[incident_id], texts[incident_id], keep[incident_id] = (
                    annotation, kept[2], kept,
                )  # fmt: skip
                continue
        if not state.is_maintenance:  # a maintenance has no SLA annotation
            missing.append(state)
    worked_out = map_forked(
        partial(_worked_out, config=config, now=snapshot.now), missing, minimum=_PARALLEL
    )
    for state, result in zip(missing, worked_out, strict=True):
        if result is None:
            continue
        record, text = result
        annotation = from_record(record, config)
        assert annotation is not None
        found[state.id], texts[state.id] = annotation, text
        if not state.is_open:
            keep[state.id] = (signature(state), record, text)
    ids = (state.incident.id for state in snapshot.incidents)
    ordered = {i: found[i] for i in ids if i in found}
    return ordered, texts, keep


def _worked_out(
    state: IncidentState, config: SlaConfig, now: Any
) -> tuple[AnnotationRecord, str] | None:
    annotation = annotate(state, config, now)
    if annotation is None:
        return None
    return to_record(annotation), sla_json_text(annotation, config.public)


AnnotationRecord = tuple[
    str, str, str, tuple[str, ...], tuple[Any, ...] | None, tuple[Any, ...] | None
]


def to_record(annotation: Annotation) -> AnnotationRecord:
    """A closed incident's annotation as plain values, for the build cache."""

    def values(d: Deadline | None) -> tuple[Any, ...] | None:
        if d is None:
            return None
        return (
            d.clock_start, d.due_at, d.at, d.state, d.elapsed, d.remaining, d.overrun, d.late,
            d.excluded,
        )  # fmt: skip

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
