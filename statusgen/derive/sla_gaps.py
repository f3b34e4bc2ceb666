"""Where the SLA configuration leaves something undefined: incidents that get no service level,
policies without a target, tiers without policies or without components, priorities no policy
covers. Each is a finding at a line, for `statusgen check` and `build` to warn of."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from statusgen.derive.priority import Facts, given_priority, possible_facts, priority_of
from statusgen.model.content import Component, Incident, Site
from statusgen.model.sla import DEFAULT_TIER, MaintenancePolicy, Policy, SlaConfig
from statusgen.model.state import IncidentState, Snapshot


@dataclass(frozen=True, slots=True)
class Gap:
    line: int
    message: str
    incident: Incident | None = None  # None: the finding is about components.yaml


def find_gaps(site: Site, snapshot: Snapshot) -> list[Gap]:
    """Every gap, those of the configuration by line, then those of incidents by file. A site
    that publishes nothing of its service levels works none out: it has no gaps."""
    config = site.sla
    if not config.published:
        return []
    components = _by_tier(site.components.values())
    gaps = [
        *_without_targets(config),
        *_tiers_without_policies(config, components),
        *_tiers_without_components(config, components),
        *_priorities_without_policies(config, components),
        *_without_priority(site, components),
    ]
    gaps.sort(key=lambda gap: gap.line)
    incidents = (_incident_gap(state, config) for state in snapshot.incidents)
    found = [gap for gap in incidents if gap is not None]
    return gaps + sorted(found, key=lambda gap: gap.incident.path if gap.incident else "")


def _by_tier(components: Iterable[Component]) -> dict[str, list[Component]]:
    tiers: dict[str, list[Component]] = {}
    for component in components:
        tiers.setdefault(component.tier, []).append(component)
    return tiers


def _incident_tiers(config: SlaConfig) -> dict[str, list[Policy]]:
    """The tiers with incident policies (not maintenance rules alone), each with them."""
    tiers: dict[str, list[Policy]] = {}
    for policy in config.policies.values():
        tiers.setdefault(policy.tier, []).append(policy)
    return tiers


def _policy_for(config: SlaConfig, tier: str, priority: str) -> Policy | None:
    """The policy an incident of `priority` touching `tier` falls under: the tier's own, else
    the default tier's."""
    return config.policies.get((tier, priority)) or config.policies.get((DEFAULT_TIER, priority))


_TARGET_WORDS = {"first_response": "first-response", "resolution": "resolution"}


def _without_targets(config: SlaConfig) -> list[Gap]:
    """Policies that leave a target out without saying so: their incidents get part of an SLA."""
    gaps = []
    for policy in config.policies.values():
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
            Gap(
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


def _tiers_without_policies(config: SlaConfig, components: dict[str, list[Component]]) -> list[Gap]:
    """Tiers of components that no policy covers, not even the default tier's."""
    with_policies = _incident_tiers(config)
    if DEFAULT_TIER in with_policies:
        return []  # every tier falls back on the default tier's (see the priorities' findings)
    return [
        Gap(
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
    config: SlaConfig, components: dict[str, list[Component]]
) -> list[Gap]:
    """Tiers with policies or maintenance rules that no component is of (the default tier is
    where the others fall back: it needs no component)."""
    lines: dict[str, int] = {}
    rules: list[Policy | MaintenancePolicy] = [*config.policies.values()]
    for rule in [*rules, *config.maintenance.values()]:
        lines[rule.tier] = min(lines.get(rule.tier, rule.line), rule.line)
    return [
        Gap(
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
    config: SlaConfig, components: dict[str, list[Component]]
) -> list[Gap]:
    """Priorities the rules give an incident of one component that its tier has no policy for,
    nor the default tier."""
    with_policies = _incident_tiers(config)
    gaps = []
    for tier, members in components.items():
        own = with_policies.get(tier)
        if own is None and DEFAULT_TIER not in with_policies:
            continue  # said once for the whole tier
        uncovered: dict[str, Facts] = {}
        for facts in possible_facts(members):
            priority = given_priority(facts, config.priority_rules)
            if priority is not None and _policy_for(config, tier, priority) is None:
                uncovered.setdefault(priority, facts)
        line = min(p.line for p in own) if own else members[0].line
        for priority, facts in sorted(uncovered.items()):
            fallback = _priorities_of(with_policies, DEFAULT_TIER) if tier != DEFAULT_TIER else ""
            mine = f" (policies of {tier}: {_priorities_of(with_policies, tier)})" if own else ""
            gaps.append(
                Gap(
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


def _without_priority(site: Site, components: dict[str, list[Component]]) -> list[Gap]:
    """Whether the priorities leave an incident without a priority, unless it sets one."""
    rules = site.sla.priority_rules
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
    line = rules.line or min(p.line for p in site.sla.policies.values())
    return [
        Gap(
            line,
            f"an incident of {_describe(example)} gets no priority "
            f"({_no_priority_reason(site.sla, example.urgency)}), so no SLA unless it sets "
            "its own 'priority:'",
        )
    ]


def _no_priority_reason(config: SlaConfig, urgency: str | None) -> str:
    rules = config.priority_rules
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


def _incident_gap(state: IncidentState, config: SlaConfig) -> Gap | None:
    """Why an incident gets no SLA, if it gets none."""
    if state.is_maintenance or not config.enabled:
        return None
    incident = state.incident
    priority = priority_of(state, config.priority_rules)
    if priority is None:
        return Gap(
            incident.line_of("urgency", "impact"),
            f"no SLA: no priority ({_no_priority_reason(config, incident.urgency)})",
            incident,
        )
    tiers = sorted({component.tier for component, _ in state.affected}) or [DEFAULT_TIER]
    if any(_policy_for(config, tier, priority) is not None for tier in tiers):
        return None
    with_policies = _incident_tiers(config)
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
    line = (
        incident.line_of("priority")
        if incident.priority
        else incident.line_of("components", "impact")
    )
    return Gap(line, f"no SLA: {'; '.join(reasons)}", incident)
