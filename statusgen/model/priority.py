"""How an incident's priority is worked out: ordered rules, then the urgency and impact matrix,
then a priority by impact alone."""

from __future__ import annotations

from dataclasses import dataclass, field

from statusgen.model.content import Impact

URGENCIES = ("low", "medium", "high")


# What a rule may ask of the incident itself; any other condition names a component attribute.
IMPACT, URGENCY, WORKAROUND = "impact", "urgency", "workaround"
INCIDENT_CONDITIONS = (IMPACT, URGENCY, WORKAROUND)


@dataclass(frozen=True, slots=True)
class Condition:
    """`impact: [major, critical]`: holds when the incident's value is one of `values`. On a
    component attribute, it holds when any component the incident touches has one of them."""

    name: str
    values: frozenset[str]  # as the configuration spells them; a workaround's 'true' or 'false'

    @property
    def on_component(self) -> bool:
        return self.name not in INCIDENT_CONDITIONS


@dataclass(frozen=True, slots=True)
class PriorityRule:
    conditions: tuple[Condition, ...]  # all must hold; none: every incident
    priority: str
    line: int = field(default=0, compare=False)  # where components.yaml writes it


@dataclass(frozen=True, slots=True)
class PriorityRules:
    """`priorities:` of components.yaml: the first rule that holds gives the priority; else the
    matrix by urgency and impact; else the priority of the impact alone."""

    rules: tuple[PriorityRule, ...] = ()
    matrix: dict[tuple[str, Impact], str] = field(default_factory=dict)
    by_impact: dict[Impact, str] = field(default_factory=dict)
    line: int = field(default=0, compare=False)  # of `priorities:`; 0 when there is none

    @property
    def names(self) -> set[str]:
        """Every priority they can give."""
        return (
            {rule.priority for rule in self.rules}
            | set(self.matrix.values())
            | set(self.by_impact.values())
        )

    @property
    def configured(self) -> bool:
        return bool(self.rules or self.matrix or self.by_impact)
