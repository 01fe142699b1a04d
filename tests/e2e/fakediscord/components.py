"""Component trees (rows, labels, sections, containers): finding a component by custom_id,
and turning a modal the bot sent into the form a user submits."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from .payloads import Json

TEXT_INPUT, LABEL = 4, 18


def find_component(components: Iterable[Json], custom_id: str) -> Json | None:
    """Search a component tree (rows, labels, sections, containers) for a custom_id."""
    for component in components:
        if component.get("custom_id") == custom_id:
            return component
        children = list(component.get("components", []))
        for key in ("component", "accessory"):
            if isinstance(component.get(key), dict):
                children.append(component[key])
        found = find_component(children, custom_id)
        if found is not None:
            return found
    return None


def fill_modal(components: list[Json], fields: Mapping[str, str | Sequence[str]]) -> list[Json]:
    """The submitted form of a modal layout: each input with the user's value."""
    unknown = set(fields) - _input_ids(components)
    if unknown:
        raise KeyError(f"the modal has no inputs {sorted(unknown)}")
    submitted: list[Json] = []
    for component in components:
        if component["type"] == 1:
            children = [_submitted_input(c, fields) for c in component.get("components", [])]
            submitted.append({"type": 1, "components": children})
        elif component["type"] == LABEL:
            inner = _submitted_input(component["component"], fields)
            submitted.append({"type": LABEL, "component": inner})
        else:
            submitted.append({"type": component["type"], "id": component.get("id", 0)})
    return submitted


def _submitted_input(component: Json, fields: Mapping[str, str | Sequence[str]]) -> Json:
    custom_id = component["custom_id"]
    value = fields.get(custom_id)
    if component["type"] == TEXT_INPUT:
        text = (component.get("value") or "") if value is None else value
        return {"type": TEXT_INPUT, "custom_id": custom_id, "value": text}
    values = [] if value is None else [value] if isinstance(value, str) else list(value)
    return {"type": component["type"], "custom_id": custom_id, "values": values}


def _input_ids(components: list[Json]) -> set[str]:
    ids: set[str] = set()
    for component in components:
        if "custom_id" in component:
            ids.add(component["custom_id"])
        ids |= _input_ids(component.get("components", []))
        if isinstance(component.get("component"), dict):
            ids |= _input_ids([component["component"]])
    return ids
