"""`attributes:` and `priorities:` of components.yaml: what components may say about themselves,
and how an incident's priority is worked out from it and from the incident."""

from __future__ import annotations

import re
from collections.abc import Mapping

from statusgen.errors import SourceError
from statusgen.load.nodes import Located, check_keys, located_choice, located_text, suggest
from statusgen.model.content import Impact
from statusgen.model.priority import (
    IMPACT,
    INCIDENT_CONDITIONS,
    URGENCIES,
    URGENCY,
    WORKAROUND,
    Condition,
    PriorityRule,
    PriorityRules,
)

# Declared attributes: name -> the values a component may give it, as the site spells them.
Attributes = Mapping[str, tuple[str, ...]]


PRIORITIES_KEYS = ("rules", "matrix", "default")


RULE_KEYS = ("when", "priority")


IMPACTS = tuple(i.value for i in Impact)  # the columns of a row of priorities


_ATTRIBUTE_NAME = re.compile(r"[a-z][a-z0-9_]*")


_RULE_SHAPE = "{when: {impact: critical}, priority: P1}"


def load_attributes(node: Located | None, errors: list[SourceError]) -> dict[str, tuple[str, ...]]:
    """`attributes: {criticality: [critical, standard], environment: [prod, test]}`: the
    attributes components may set, each with its values."""
    if node is None:
        return {}
    if not node.is_mapping:
        errors.append(
            node.error(
                "'attributes' must map each attribute to its values, such as "
                "{criticality: [critical, standard]}"
            )
        )
        return {}
    declared: dict[str, tuple[str, ...]] = {}
    for key, values in node.items():
        name = str(key.value)
        if not _ATTRIBUTE_NAME.fullmatch(name):
            errors.append(
                key.error(f"attribute name '{name}' may use only a-z, 0-9 and '_', from a letter")
            )
            continue
        if name in INCIDENT_CONDITIONS:
            errors.append(
                key.error(
                    f"'{name}' cannot be an attribute: priority rules ask it of the incident "
                    f"(the incident's own: {', '.join(INCIDENT_CONDITIONS)})"
                )
            )
            continue
        found = _attribute_values(name, values, errors)
        if found:
            declared[name] = found
    return declared


def _attribute_values(name: str, node: Located, errors: list[SourceError]) -> tuple[str, ...]:
    if not node.is_sequence or not node.elements():
        errors.append(
            node.error(f"attribute '{name}' must list its values, such as [critical, standard]")
        )
        return ()
    found: list[str] = []
    for element in node.elements():
        try:
            value = located_text(element, f"a value of attribute '{name}'")
        except SourceError as exc:
            errors.append(exc)
            continue
        if value.lower() in (v.lower() for v in found):
            errors.append(element.error(f"attribute '{name}' lists '{value}' twice"))
            continue
        found.append(value)
    return tuple(found)


def attribute_value(field: Located, name: str, allowed: tuple[str, ...]) -> str:
    """One of the values declared for attribute `name`, as declared, whatever its case."""
    chosen = located_choice(field, name, [value.lower() for value in allowed])
    return next(value for value in allowed if value.lower() == chosen)


def load_priorities(
    node: Located | None, attributes: Attributes, errors: list[SourceError]
) -> PriorityRules:
    """`priorities: {rules: [...], matrix: {...}, default: {...}}`; every mistake goes to
    `errors`. `attributes` are the component attributes a rule may ask about."""
    if node is None:
        return PriorityRules()
    if not node.is_mapping:
        errors.append(
            node.error("'priorities' must be a mapping with 'rules', 'matrix' and/or 'default'")
        )
        return PriorityRules()
    errors.extend(check_keys(node, PRIORITIES_KEYS, "priorities"))
    fields = node.fields()
    rules: tuple[PriorityRule, ...] = ()
    if "rules" in fields:
        rules = _rules(fields["rules"], attributes, errors)
    matrix: dict[tuple[str, Impact], str] = {}
    by_impact: dict[Impact, str] = {}
    if "matrix" in fields:
        matrix = _matrix(fields["matrix"], errors)
    if "default" in fields:
        no_cell = "default priorities: no priority for impact '{}'"
        by_impact = _priority_row(fields["default"], "default priorities", no_cell, errors)
    return PriorityRules(rules, matrix, by_impact, node.where.line)


def _rules(
    node: Located, attributes: Attributes, errors: list[SourceError]
) -> tuple[PriorityRule, ...]:
    if not node.is_sequence:
        errors.append(node.error(f"'rules' must be a list of rules such as {_RULE_SHAPE}"))
        return ()
    rules = []
    for element in node.elements():
        try:
            rules.append(_rule(element, attributes))
        except SourceError as exc:
            errors.append(exc)
    return tuple(rules)


def _rule(node: Located, attributes: Attributes) -> PriorityRule:
    """One rule; the first mistake in it is raised."""
    if not node.is_mapping:
        raise node.error(f"a priority rule must be a mapping such as {_RULE_SHAPE}")
    unknown = check_keys(node, RULE_KEYS, "priority rule")
    if unknown:
        raise unknown[0]
    fields = node.fields()
    if "priority" not in fields:
        raise node.error(f"priority rule without 'priority' (a rule is {_RULE_SHAPE})")
    priority = located_text(fields["priority"], "priority")
    when = fields.get("when")
    conditions: tuple[Condition, ...] = ()
    if when is not None and when.value is not None:
        if not when.is_mapping:
            raise when.error(
                "'when' must map conditions to values, such as {impact: [major, critical]}"
            )
        conditions = tuple(_condition(key, value, attributes) for key, value in when.items())
    return PriorityRule(conditions, priority, node.where.line)


def _condition(key: Located, node: Located, attributes: Attributes) -> Condition:
    name = str(key.value)
    choices: tuple[str, ...]
    if name == IMPACT:
        choices = IMPACTS
    elif name == URGENCY:
        choices = URGENCIES
    elif name == WORKAROUND:
        flags = node.elements() if node.is_sequence else [node]
        for flag in flags:
            if not isinstance(flag.value, bool):
                raise flag.error(
                    f"condition 'workaround' must be true or false, not '{flag.value}'"
                )
        if not flags:
            raise node.error("condition 'workaround' lists no value (allowed: true, false)")
        return Condition(name, frozenset(str(flag.value).lower() for flag in flags))
    elif name in attributes:
        choices = attributes[name]
    else:
        declared = ", ".join(attributes) or "none declared"
        raise key.error(
            f"unknown condition '{name}'{suggest(name, [*INCIDENT_CONDITIONS, *attributes])} "
            f"(conditions: {', '.join(INCIDENT_CONDITIONS)}, and the component attributes "
            f"declared under 'attributes': {declared})"
        )
    given = node.elements() if node.is_sequence else [node]
    if not given:
        raise node.error(f"condition '{name}' lists no value (allowed: {', '.join(choices)})")
    values = frozenset(attribute_value(value, f"{name} value", choices) for value in given)
    return Condition(name, values)


def _matrix(rows: Located, errors: list[SourceError]) -> dict[tuple[str, Impact], str]:
    matrix: dict[tuple[str, Impact], str] = {}
    for key, row in rows.items() if rows.is_mapping else []:
        urgency = str(key.value)
        if urgency not in URGENCIES:
            errors.append(
                key.error(f"unknown urgency '{urgency}' (allowed: {', '.join(URGENCIES)})")
            )
            continue
        no_cell = f"priority matrix: urgency '{urgency}' has no priority for impact '{{}}'"
        for impact, priority in _priority_row(row, "priority matrix", no_cell, errors).items():
            matrix[(urgency, impact)] = priority
    missing = (
        [u for u in URGENCIES if u not in {str(k.value) for k, _ in rows.items()}]
        if rows.is_mapping
        else URGENCIES
    )
    for urgency in missing:
        errors.append(rows.error(f"priority matrix: missing the row for urgency '{urgency}'"))
    return matrix


def _priority_row(
    row: Located, what: str, missing: str, errors: list[SourceError]
) -> dict[Impact, str]:
    """A priority for each impact; `missing` words the error for an impact without one. An
    empty cell or a list is a mistake, not a priority."""
    cells = row.fields() if row.is_mapping else {}
    if row.is_mapping:
        errors.extend(check_keys(row, IMPACTS, what))
    found: dict[Impact, str] = {}
    for impact in IMPACTS:
        if impact not in cells:
            errors.append(row.error(missing.format(impact)))
            continue
        try:
            found[Impact(impact)] = located_text(cells[impact], "priority")
        except SourceError as exc:
            errors.append(exc)
    return found
