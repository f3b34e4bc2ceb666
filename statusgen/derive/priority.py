"""Each incident's priority: its own, else the first rule that holds, else the urgency and impact
matrix, else the priority of its impact alone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from statusgen.model.content import Component, Impact
from statusgen.model.priority import (
    IMPACT,
    URGENCIES,
    URGENCY,
    WORKAROUND,
    Condition,
    PriorityRules,
)
from statusgen.model.state import IncidentState


@dataclass(frozen=True, slots=True)
class Facts:
    """What the priority rules look at: the incident's own fields and the components it
    touches."""

    impact: Impact
    urgency: str | None
    workaround: bool
    components: tuple[Component, ...]

    @classmethod
    def of(cls, state: IncidentState) -> Facts:
        incident = state.incident
        components = tuple(component for component, _ in state.affected)
        return cls(incident.impact, incident.urgency, incident.workaround, components)

    def meet(self, condition: Condition) -> bool:
        if condition.name == IMPACT:
            return self.impact.value in condition.values
        if condition.name == URGENCY:
            return self.urgency in condition.values
        if condition.name == WORKAROUND:
            return str(self.workaround).lower() in condition.values
        # A component attribute: any component touched may have it; touching none, none has.
        return any(c.attribute(condition.name) in condition.values for c in self.components)


def priority_of(state: IncidentState, rules: PriorityRules) -> str | None:
    """The incident's `priority:`, else what `rules` give it; None if they give nothing."""
    return state.incident.priority or given_priority(Facts.of(state), rules)


def given_priority(facts: Facts, rules: PriorityRules) -> str | None:
    """The priority `rules` give an incident of these facts: the first rule whose conditions all
    hold, else the matrix (with an urgency), else the priority of the impact alone."""
    for rule in rules.rules:
        if all(facts.meet(condition) for condition in rule.conditions):
            return rule.priority
    if facts.urgency and (facts.urgency, facts.impact) in rules.matrix:
        return rules.matrix[(facts.urgency, facts.impact)]
    return rules.by_impact.get(facts.impact)


def possible_facts(components: Iterable[Component]) -> list[Facts]:
    """Every incident the rules can tell apart that touches just one of `components`: each
    impact, urgency (or none) and workaround, with each distinct set of attributes."""
    kinds = {c.attributes: c for c in components}
    return [
        Facts(impact, urgency, workaround, (component,))
        for component in kinds.values()
        for impact in Impact
        for urgency in (None, *URGENCIES)
        for workaround in (False, True)
    ]
