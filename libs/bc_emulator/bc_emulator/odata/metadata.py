"""A CSDL `$metadata` document built from the entity schemas (enough for probing and for generic tools)."""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from bc_emulator.fields import Kind
from bc_emulator.resources.base import EntitySet

_EDM = {
    Kind.GUID: "Edm.Guid",
    Kind.CODE: "Edm.String",
    Kind.TEXT: "Edm.String",
    Kind.OPTION: "Edm.String",
    Kind.DECIMAL: "Edm.Decimal",
    Kind.INT: "Edm.Int32",
    Kind.BOOL: "Edm.Boolean",
    Kind.DATE: "Edm.Date",
    Kind.DATETIME: "Edm.DateTimeOffset",
}


def metadata_document(entity_sets: list[EntitySet]) -> bytes:
    types: list[str] = []
    sets: list[str] = []
    for entity_set in entity_sets:
        schema = entity_set.schema
        key = "subscriptionId" if entity_set.name == "subscriptions" else "id"
        lines = [f'<EntityType Name="{schema.entity_name}">']
        if entity_set.addressable:
            lines.append(f'<Key><PropertyRef Name="{key}"/></Key>')
        for field in schema.fields:
            length = f' MaxLength="{field.length}"' if field.length else ""
            nullable = "" if field.name != key else ' Nullable="false"'
            lines.append(f'<Property Name="{field.name}" Type="{_EDM[field.kind]}"{length}{nullable}/>')
        for navigation, target in sorted(entity_set.navigation.items()):
            target_type = entity_set.registry.get(target).schema.entity_name
            lines.append(
                f'<NavigationProperty Name="{navigation}" Type="Collection(Microsoft.NAV.{target_type})" '
                'ContainsTarget="true"/>'
            )
        lines.append("</EntityType>")
        types.append("".join(lines))
        for action in sorted(entity_set.actions):
            name = action.removeprefix("Microsoft.NAV.")
            types.append(
                f'<Action Name={quoteattr(name)} IsBound="true"><Parameter Name="bindingParameter" '
                f'Type="Microsoft.NAV.{schema.entity_name}"/></Action>'
            )
        sets.append(f'<EntitySet Name="{entity_set.name}" EntityType="Microsoft.NAV.{schema.entity_name}"/>')
    document = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">'
        '<edmx:DataServices><Schema Namespace="Microsoft.NAV" xmlns="http://docs.oasis-open.org/odata/ns/edm">'
        + "".join(types)
        + '<EntityContainer Name="NAV">'
        + "".join(sets)
        + "</EntityContainer></Schema></edmx:DataServices></edmx:Edmx>"
    )
    return document.encode()
