"""Where the SLA configuration leaves something undefined: incidents that get no service level
or only part of one, policies without a target, tiers without policies or without components,
priorities no policy covers. Each is a finding at a line, for `statusgen check` and `build` to
warn of.

Every plan is checked, the internal ones too: a plan not published is still what the team has
promised. A finding of some plans only names them; one that holds in every plan names none."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from statusgen.derive.priority import Facts, given_priority, possible_facts, priority_of
from statusgen.derive.sla import case_targets
from statusgen.model.content import Component, Incident, Kind, Site
from statusgen.model.sla import (
    DEFAULT_TIER,
    Annotation,
    DeadlineKind,
    MaintenancePolicy,
    Plan,
    Policy,
    SlaConfig,
)
from statusgen.model.state import IncidentState, Snapshot

# By incident id, then by plan id: the annotations the build worked out (Derived.plan_annotations).
Annotations = Mapping[str, Mapping[str, Annotation]]


@dataclass(frozen=True, slots=True)
class Gap:
    line: int
    message: str
    incident: Incident | None = None  # None: the finding is about components.yaml


def find_gaps(site: Site, snapshot: Snapshot, annotations: Annotations) -> list[Gap]:
    """Every gap, those of the configuration by line, then those of incidents by file. A site
    that publishes nothing of its service levels works none out: it has no gaps.

    `annotations` are the build's, under each published plan: an incident a plan covers in full
    costs a look-up; only the others are worked out again, to say why."""
    config = site.sla
    if not config.published:
        return []
    components = _by_tier(site.components.values())
    findings = _in_plans(
        config.plans,
        [
            (
                plan,
                [
                    *_without_targets(plan),
                    *_tiers_without_policies(plan, components),
                    *_tiers_without_components(plan, config, components),
                    *_priorities_without_policies(plan, components),
                    *_without_priority(plan, components),
                ],
            )
            for plan in config.plans
        ],
    )
    gaps = sorted((Gap(line, message) for line, message in findings), key=lambda gap: gap.line)
    checker = _IncidentChecker(config, annotations)
    plans = config.plans
    found = []
    for state in snapshot.incidents:
        incident = state.incident
        # Most incidents get every target in every plan: that is looked up first, in the
        # build's annotations (a loop, not all(), for the time a generator takes to start).
        by_plan = annotations.get(incident.id)
        if by_plan is not None and len(by_plan) == len(plans):
            for annotation in by_plan.values():
                if annotation.first_response is None or annotation.resolution is None:
                    break
            else:
                continue
        if incident.kind is Kind.MAINTENANCE:
            continue
        of_plans = [(plan, [finding]) for plan in plans if (finding := checker.gap(state, plan))]
        if of_plans:
            found += [Gap(line, message, incident) for line, message in _in_plans(plans, of_plans)]
    found.sort(key=lambda gap: gap.incident.path if gap.incident else "")
    return gaps + _partial_gaps_together(found)


# Of incidents that get only part of an SLA for the same reason, how many are named one by one:
# the reason is a policy's, warned of at its line already, and a long history of them would bury
# every other warning of a build.
PARTIAL_NAMED = 3


def _partial_gaps_together(found: list[Gap]) -> list[Gap]:
    """The incidents' gaps, those of more than PARTIAL_NAMED incidents with the same partial SLA
    told once, at the first of them, with how many more there are and the next few."""
    alike: dict[str, list[Gap]] = {}
    for gap in found:
        if _PARTIAL in gap.message:
            alike.setdefault(gap.message, []).append(gap)
    told: set[str] = set()
    result = []
    for gap in found:
        group = alike.get(gap.message, [gap])
        if len(group) <= PARTIAL_NAMED:
            result.append(gap)
        elif gap.message not in told:
            told.add(gap.message)
            others = [g.incident.path for g in group[1:PARTIAL_NAMED] if g.incident is not None]
            more = len(group) - 1
            result.append(
                replace(
                    gap,
                    message=f"{gap.message}; so do {more} more incidents ({', '.join(others)}, …)",
                )
            )
    return result


Finding = tuple[int, str]


def _in_plans(
    plans: tuple[Plan, ...], findings: Iterable[tuple[Plan, Iterable[Finding]]]
) -> list[Finding]:
    """The findings of the plans, each once, in the order first found: one that holds in every
    plan as it is, one of some plans only after their names (the site declares plans then)."""
    by_finding: dict[Finding, list[str]] = {}
    for plan, of_plan in findings:
        for finding in of_plan:
            by_finding.setdefault(finding, []).append(plan.id)
    return [
        (line, message if len(ids) == len(plans) else f"{_plans_named(ids)}: {message}")
        for (line, message), ids in by_finding.items()
    ]


def _plans_named(ids: list[str]) -> str:
    quoted = [f"'{plan_id}'" for plan_id in ids]
    if len(quoted) == 1:
        return f"plan {quoted[0]}"
    return f"plans {', '.join(quoted[:-1])} and {quoted[-1]}"


def _by_tier(components: Iterable[Component]) -> dict[str, list[Component]]:
    tiers: dict[str, list[Component]] = {}
    for component in components:
        tiers.setdefault(component.tier, []).append(component)
    return tiers


def _incident_tiers(plan: Plan) -> dict[str, list[Policy]]:
    """The tiers with incident policies in the plan, each with them."""
    tiers: dict[str, list[Policy]] = {}
    for policy in plan.policies.values():
        tiers.setdefault(policy.tier, []).append(policy)
    return tiers


def _policy_for(plan: Plan, tier: str, priority: str) -> Policy | None:
    """The policy an incident of `priority` touching `tier` falls under: the tier's own, else
    the default tier's."""
    return plan.policies.get((tier, priority)) or plan.policies.get((DEFAULT_TIER, priority))


_TARGET_WORDS = {"first_response": "first-response", "resolution": "resolution"}


def _without_targets(plan: Plan) -> list[Finding]:
    """Policies that leave a target out without saying so: their incidents get part of an SLA,
    unless another tier of theirs, or the incident itself, sets that target."""
    gaps = []
    for policy in plan.policies.values():
        missing = [
            name
            for name in _TARGET_WORDS
            if getattr(policy, name) is None and name not in policy.waived
        ]
        if not missing:
            continue
        kept = [_TARGET_WORDS[name] for name in _TARGET_WORDS if getattr(policy, name)]
        only = f"a {kept[0]} deadline only" if kept else "no deadline at all"
        gaps.append(
            (
                policy.line,
                f"policy '{policy.name}' sets no {' or '.join(_TARGET_WORDS[n] for n in missing)}"
                f" target, so its incidents get {only} (write "
                f"{' and '.join(repr(f'{name}: none') for name in missing)} if that is meant)",
            )
        )
    return gaps


def _close(name: str, known: Iterable[str], what: str) -> str:
    """' (did you mean 'x'?)' for the closest of `known`, or ' (what: a, b)'."""
    known = sorted(known)
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if close:
        return f" (did you mean '{close[0]}'?)"
    return f" ({what}: {', '.join(known)})" if known else ""


def _ids(components: list[Component]) -> str:
    shown = ", ".join(f"'{c.id}'" for c in components[:5])
    more = f" and {len(components) - 5} more" if len(components) > 5 else ""
    return f"component{'s' if len(components) > 1 else ''} {shown}{more}"


def _tiers_without_policies(plan: Plan, components: dict[str, list[Component]]) -> list[Finding]:
    """Tiers of components that no policy of the plan covers, not even the default tier's."""
    with_policies = _incident_tiers(plan)
    if DEFAULT_TIER in with_policies:
        return []  # every tier falls back on the default tier's (see the priorities' findings)
    return [
        (
            members[0].line,
            f"tier '{tier}' of {_ids(members)} has no policies, and there are no "
            f"'{DEFAULT_TIER}' policies to fall back on, so "
            f"{'their' if len(members) > 1 else 'its'} incidents get no SLA"
            + _close(tier, with_policies, "tiers with policies"),
        )
        for tier, members in components.items()
        if tier not in with_policies
    ]


def _tiers_without_components(
    plan: Plan, config: SlaConfig, components: dict[str, list[Component]]
) -> list[Finding]:
    """Tiers with policies in the plan, or with the site's maintenance rules, that no component
    is of (the default tier is where the others fall back: it needs no component)."""
    lines: dict[str, int] = {}
    rules: list[Policy | MaintenancePolicy] = [*plan.policies.values()]
    for rule in [*rules, *config.maintenance.values()]:
        lines[rule.tier] = min(lines.get(rule.tier, rule.line), rule.line)
    return [
        (
            line,
            f"tier '{tier}' has policies, but no component is of that tier"
            + _close(tier, components, "tiers of components"),
        )
        for tier, line in lines.items()
        if tier != DEFAULT_TIER and tier not in components
    ]


def _describe(facts: Facts) -> str:
    """An incident of these facts, in a few words: 'impact minor, urgency low, on 'api''."""
    parts = [f"impact {facts.impact.value}"]
    if facts.urgency:
        parts.append(f"urgency {facts.urgency}")
    if facts.workaround:
        parts.append("a workaround")
    touched = " and ".join(f"'{component.id}'" for component in facts.components)
    return ", ".join(parts) + (f" on {touched}" if touched else "")


def _priorities_without_policies(
    plan: Plan, components: dict[str, list[Component]]
) -> list[Finding]:
    """Priorities the plan's rules give an incident of one component that its tier has no
    policy for, nor the default tier."""
    with_policies = _incident_tiers(plan)
    gaps = []
    for tier, members in components.items():
        own = with_policies.get(tier)
        if own is None and DEFAULT_TIER not in with_policies:
            continue  # said once for the whole tier
        uncovered: dict[str, Facts] = {}
        for facts in possible_facts(members):
            priority = given_priority(facts, plan.priority_rules)
            if priority is not None and _policy_for(plan, tier, priority) is None:
                uncovered.setdefault(priority, facts)
        line = min(p.line for p in own) if own else members[0].line
        for priority, facts in sorted(uncovered.items()):
            fallback = _priorities_of(with_policies, DEFAULT_TIER) if tier != DEFAULT_TIER else ""
            mine = f" (policies of {tier}: {_priorities_of(with_policies, tier)})" if own else ""
            gaps.append(
                (
                    line,
                    f"tier '{tier}' has no policy for priority {priority}{mine}"
                    + (
                        f", nor has the default tier (policies of default: {fallback})"
                        if fallback
                        else ""
                    )
                    + f", which the priorities give an incident of {_describe(facts)}: such "
                    "incidents get no SLA",
                )
            )
    return gaps


def _priorities_of(with_policies: dict[str, list[Policy]], tier: str) -> str:
    return ", ".join(sorted(p.priority for p in with_policies.get(tier, [])))


def _without_priority(plan: Plan, components: dict[str, list[Component]]) -> list[Finding]:
    """Whether the plan's priorities leave an incident without a priority, unless it sets one."""
    rules = plan.priority_rules
    example = next(
        (
            facts
            for members in components.values()
            for facts in possible_facts(members)
            if given_priority(facts, rules) is None
        ),
        None,
    )
    if example is None:
        return []
    line = rules.line or min((p.line for p in plan.policies.values()), default=plan.line)
    return [
        (
            line,
            f"an incident of {_describe(example)} gets no priority "
            f"({_no_priority_reason(plan, example.urgency)}), so no SLA unless it sets "
            "its own 'priority:'",
        )
    ]


def _no_priority_reason(plan: Plan, urgency: str | None) -> str:
    rules = plan.priority_rules
    if not rules.configured:
        return "there are no 'priorities'"
    reasons = []
    if rules.rules:
        reasons.append("no priority rule applies")
    if rules.matrix and urgency is None:
        reasons.append("no 'urgency' for the matrix")
    if urgency is not None and not rules.matrix:
        reasons.append(f"no 'matrix' for its urgency '{urgency}'")
    if not rules.by_impact:
        reasons.append("'priorities' has no 'default'")
    return "; ".join(reasons)


class _IncidentChecker:
    """Whether an incident gets a whole SLA under a plan. The build's annotation answers for a
    published plan that covers it: a look-up, and nothing more when it has every target. What
    its policies leave unset is worked out once for each plan, tiers and priority; an incident
    without an SLA is worked out again, to say why."""

    def __init__(self, config: SlaConfig, annotations: Annotations) -> None:
        self._annotations = annotations
        self._published = {plan.id: plan for plan in config.published_plans}
        # By plan, tiers, priority and the targets the incident sets: what it lacks, if anything.
        self._part: dict[tuple[str, tuple[str, ...], str, frozenset[DeadlineKind]], str | None] = {}

    def gap(self, state: IncidentState, plan: Plan) -> Finding | None:
        by_plan = self._annotations.get(state.id)
        annotation = by_plan.get(plan.id) if by_plan is not None else None
        if annotation is not None:
            if annotation.first_response is not None and annotation.resolution is not None:
                return None
            key = (plan.id, annotation.tiers, annotation.priority, annotation.set_by_incident)
        elif plan.id in self._published:
            return _no_sla(state, plan)  # the build found no policy to cover it
        else:  # an internal plan, whose deadlines the build does not work out
            priority = self._priority(state, plan, by_plan)
            tiers = _tiers(state)
            if priority is None or not any(_policy_for(plan, t, priority) for t in tiers):
                return _no_sla(state, plan)
            key = (plan.id, tiers, priority, frozenset(case_targets(state)))
        if key not in self._part:
            self._part[key] = _part(plan, *key[1:])
        message = self._part[key]
        return None if message is None else (_line(state.incident), message)

    def _priority(
        self, state: IncidentState, plan: Plan, by_plan: Mapping[str, Annotation] | None
    ) -> str | None:
        """The incident's priority under `plan`: a published plan of the same priorities has
        found it already."""
        for plan_id, annotation in (by_plan or {}).items():
            if self._published[plan_id].priority_rules is plan.priority_rules:
                return annotation.priority
        return priority_of(state, plan.priority_rules)


def _part(
    plan: Plan, tiers: tuple[str, ...], priority: str, own: frozenset[DeadlineKind]
) -> str | None:
    """Why an incident gets only part of an SLA, if it does: a target that none of its
    policies sets or waives (`resolution: none`), and that it does not set itself (`own`).
    With several tiers each target is the strictest of theirs: one policy setting it is
    enough."""
    found = (_policy_for(plan, tier, priority) for tier in tiers)
    policies = sorted({p.name: p for p in found if p is not None}.values(), key=_name)
    names = [
        kind.value
        for kind in DeadlineKind
        if kind not in own
        and not any(
            getattr(policy, kind.value) is not None or kind.value in policy.waived
            for policy in policies
        )
    ]
    if not names:
        return None
    one = len(policies) == 1
    named = " and ".join(f"'{policy.name}'" for policy in policies)
    return (
        f"{_PARTIAL}: no {' or '.join(_TARGET_WORDS[name] for name in names)} target "
        f"(polic{'y' if one else 'ies'} {named} set{'s' if one else ''} none, nor does the "
        f"incident; write {' and '.join(repr(f'{name}: none') for name in names)} in "
        f"{'the' if one else 'a'} policy if that is meant, or give the incident its own with "
        f"'sla: {{{', '.join(f'{name}: …' for name in names)}}}')"
    )


_PARTIAL = "only part of an SLA"


def _name(policy: Policy) -> str:
    return policy.name


def _tiers(state: IncidentState) -> tuple[str, ...]:
    """The tiers of the components it touches, as the annotations have them."""
    return tuple(sorted({component.tier for component, _ in state.affected})) or (DEFAULT_TIER,)


def _line(incident: Incident) -> int:
    if incident.priority:
        return incident.line_of("priority")
    return incident.line_of("components", "impact")


def _no_sla(state: IncidentState, plan: Plan) -> Finding:
    """Why an incident gets no SLA under the plan."""
    incident = state.incident
    own = "; the targets it sets itself count only where a policy covers it"
    own = own if case_targets(state) else ""
    priority = priority_of(state, plan.priority_rules)
    if priority is None:
        return (
            incident.line_of("urgency", "impact"),
            f"no SLA: no priority ({_no_priority_reason(plan, incident.urgency)}){own}",
        )
    tiers = _tiers(state)
    with_policies = _incident_tiers(plan)
    fallback = _priorities_of(with_policies, DEFAULT_TIER)
    reasons = []
    for tier in tiers:
        if tier in with_policies:
            reasons.append(
                f"priority {priority} has no policy for tier '{tier}' (policies of {tier}: "
                f"{_priorities_of(with_policies, tier)})"
            )
        else:
            reasons.append(
                f"tier '{tier}' has no policies"
                + _close(tier, (t for t in with_policies if t != DEFAULT_TIER), "tiers")
            )
    if fallback and DEFAULT_TIER not in tiers:
        reasons.append(f"nor has the default tier (policies of default: {fallback})")
    return _line(incident), f"no SLA: {'; '.join(reasons)}{own}"
