"""Which properties the tenant's API has, read from its `$metadata` (CSDL XML).

Business Central adds API v2.0 fields release by release (e.g. `journals.templateDisplayName` from BC 19,
`accounts.consolidation*` from BC 23), and a `$select`, `$filter`, `$orderby` or body naming a field the tenant
lacks fails the whole request with 400. The `$metadata` document lists exactly the tenant's fields, so the
connectors ask it instead of guessing the version.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from defusedxml.ElementTree import fromstring  # BC's answer is parsed without DTDs or entities

_EDM = "{http://docs.oasis-open.org/odata/ns/edm}"


@dataclass(frozen=True)
class ApiMetadata:
    """Property names per entity set and per entity type of one API route."""

    set_types: dict[str, str]  # entity set name -> entity type name (without namespace)
    type_properties: dict[str, frozenset[str]]  # entity type name -> property names (no navigation)

    @classmethod
    def parse(cls, document: bytes | str) -> ApiMetadata:
        root = fromstring(document, forbid_dtd=True)
        type_properties: dict[str, frozenset[str]] = {}
        for entity_type in root.iter(f"{_EDM}EntityType"):
            names = frozenset(p.get("Name", "") for p in entity_type.findall(f"{_EDM}Property"))
            type_properties[entity_type.get("Name", "")] = names
        set_types: dict[str, str] = {}
        for entity_set in root.iter(f"{_EDM}EntitySet"):
            set_types[entity_set.get("Name", "")] = entity_set.get("EntityType", "").rsplit(".", 1)[-1]
        return cls(set_types, type_properties)

    def properties(self, entity_set: str) -> frozenset[str] | None:
        """The properties of an entity set (or of an entity type given by name); None when neither is known."""
        type_name = self.set_types.get(entity_set)
        if type_name is None:
            type_name = next((t for t in _singular_candidates(entity_set) if t in self.type_properties), None)
        if type_name is None:
            return None
        return self.type_properties.get(type_name)


def _singular_candidates(entity_set: str) -> Iterable[str]:
    """Entity types a navigation-only set may use: "dimensionSetLines" -> "dimensionSetLine"."""
    yield entity_set
    if entity_set.endswith("ies"):
        yield entity_set[:-3] + "y"
    if entity_set.endswith("s"):
        yield entity_set[:-1]
