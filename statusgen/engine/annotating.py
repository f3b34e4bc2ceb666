"""SLA annotations: worked out over every core, and a closed incident's kept from one build
for the next (its deadlines are final: the same incident gives the same annotation)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from statusgen.derive.sla import annotate_plans, case_target, case_targets
from statusgen.engine.parallel import map_forked
from statusgen.model.sla import (
    Annotation,
    Deadline,
    DeadlineKind,
    Plan,
    Policy,
    SlaConfig,
    Target,
)
from statusgen.model.state import IncidentState, Snapshot
from statusgen.outputs.sla_json import sla_json_text

# What a build keeps of a closed incident's annotations for the next one: the incident's
# signature, its annotation under each plan as plain values, and the default plan's `sla`
# object as JSON text ("" when the default plan does not cover it).
Kept = tuple[str, tuple["AnnotationRecord", ...], str]

_PARALLEL = 500  # incidents; fewer are worked out faster than a process starts


def work_out(
    snapshot: Snapshot,
    config: SlaConfig,
    signature: Callable[[IncidentState], str],
    earlier: Mapping[str, Kept],
) -> tuple[dict[str, dict[str, Annotation]], dict[str, str], dict[str, Kept]]:
    """Every incident's annotations, by id and plan id, and the JSON text of those taken from
    `earlier` (a closed incident's, while its signature is the same), and what the next build
    can keep.

    `signature` must change whenever anything the annotation depends on does."""
    found: dict[str, dict[str, Annotation]] = {}
    texts: dict[str, str] = {}
    keep: dict[str, Kept] = {}
    missing: list[IncidentState] = []
    for state in snapshot.incidents:
        incident_id = state.incident.id
        kept = earlier.get(incident_id)
        if kept is not None and not state.is_open and kept[0] == signature(state):
            annotations = from_records(kept[1], state, config)
            if annotations is not None:
                found[incident_id], keep[incident_id] = annotations, kept
                if kept[2]:
                    texts[incident_id] = kept[2]
                continue
        if not state.is_maintenance:  # a maintenance has no SLA annotation
            missing.append(state)
    worked_out = map_forked(
        partial(_worked_out, config=config, now=snapshot.now), missing, minimum=_PARALLEL
    )
    for state, result in zip(missing, worked_out, strict=True):
        if result is None:
            continue
        records, text = result
        annotations = from_records(records, state, config)
        assert annotations is not None
        found[state.id] = annotations
        if text:
            texts[state.id] = text
        if not state.is_open:
            keep[state.id] = (signature(state), records, text)
    ids = (state.incident.id for state in snapshot.incidents)
    ordered = {i: found[i] for i in ids if i in found}
    return ordered, texts, keep


def _worked_out(
    state: IncidentState, config: SlaConfig, now: Any
) -> tuple[tuple[AnnotationRecord, ...], str] | None:
    annotations = annotate_plans(state, config, now)
    if not annotations:
        return None
    default = config.default_plan
    shown = annotations.get(default.id) if default is not None else None
    text = sla_json_text(shown, config.public) if shown is not None else ""
    return tuple(to_record(a) for a in annotations.values()), text


# A target: the ids of the policy that set it, whether the incident set it itself, and the
# deadline's values.
TargetRecord = tuple[str, str, bool, tuple[Any, ...]]

# The plan, the priority, the ids of the policy the incident is measured under, the tiers, and
# each target's record.
AnnotationRecord = tuple[
    str, str, tuple[str, str], tuple[str, ...], TargetRecord | None, TargetRecord | None
]


def to_record(annotation: Annotation) -> AnnotationRecord:
    """A closed incident's annotation as plain values, for the build cache."""

    def target(kind: DeadlineKind, d: Deadline | None) -> TargetRecord | None:
        if d is None:
            return None
        policy = annotation.policy_of(kind)
        values = (
            d.clock_start, d.due_at, d.at, d.state, d.elapsed, d.remaining, d.overrun, d.late,
            d.excluded,
        )  # fmt: skip
        return (policy.tier, policy.priority, annotation.by_incident(kind), values)

    measured = annotation.policy
    return (
        annotation.plan,
        annotation.priority,
        (measured.tier, measured.priority),
        annotation.tiers,
        target(DeadlineKind.FIRST_RESPONSE, annotation.first_response),
        target(DeadlineKind.RESOLUTION, annotation.resolution),
    )


def from_records(
    records: tuple[AnnotationRecord, ...], state: IncidentState, config: SlaConfig
) -> dict[str, Annotation] | None:
    """The annotations again, with the current configuration's plans and policies; None if
    one of them is gone."""
    plans = {plan.id: plan for plan in config.published_plans}
    found = {}
    for record in records:
        plan = plans.get(record[0])
        annotation = None if plan is None else _from_record(record, state, plan)
        if annotation is None:
            return None
        found[annotation.plan] = annotation
    return found


def _from_record(record: AnnotationRecord, state: IncidentState, plan: Plan) -> Annotation | None:
    _, priority, measured_key, tiers, first, resolution = record
    measured = plan.policies.get(measured_key)
    if measured is None:
        return None
    chosen: dict[DeadlineKind, tuple[Policy, Deadline]] = {}
    for kind, kept in ((DeadlineKind.FIRST_RESPONSE, first), (DeadlineKind.RESOLUTION, resolution)):
        if kept is None:
            continue
        tier, policy_priority, by_incident, values = kept
        policy = plan.policies.get((tier, policy_priority))
        if policy is None:
            return None
        cases = case_targets(state)
        if by_incident and kind in cases:
            target: Target | None = case_target(cases[kind], policy, plan)
        else:
            target = (
                policy.first_response if kind is DeadlineKind.FIRST_RESPONSE else policy.resolution
            )
        if target is None:
            return None
        chosen[kind] = (policy, Deadline(target, *values))
    first_response = chosen.get(DeadlineKind.FIRST_RESPONSE)
    resolved = chosen.get(DeadlineKind.RESOLUTION)
    return Annotation(
        priority,
        measured,
        tiers,
        first_response[1] if first_response else None,
        resolved[1] if resolved else None,
        first_response_policy=first_response[0] if first_response else None,
        resolution_policy=resolved[0] if resolved else None,
        set_by_incident=frozenset(
            k
            for k, v in (
                (DeadlineKind.FIRST_RESPONSE, first),
                (DeadlineKind.RESOLUTION, resolution),
            )
            if v is not None and v[2]
        ),
        plan=plan.id,
    )
