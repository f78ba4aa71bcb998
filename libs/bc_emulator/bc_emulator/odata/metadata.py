"""A CSDL `$metadata` document built from the entity schemas (enough for probing and for generic tools)."""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from bc_emulator.enum_names import encode_name
from bc_emulator.fields import Kind
from bc_emulator.resources.base import EntitySet
from bc_emulator.versions import VersionProfile

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


def metadata_document(entity_sets: list[EntitySet], version: VersionProfile) -> bytes:
    """Only the fields the emulated release has; enum/option fields typed as EnumTypes of member names."""
    types: list[str] = []
    sets: list[str] = []
    enums: dict[str, str] = {}
    for entity_set in entity_sets:
        schema = entity_set.schema
        lacks = version.lacks(schema.entity_name)
        key = "subscriptionId" if entity_set.name == "subscriptions" else "id"
        lines = [f'<EntityType Name="{schema.entity_name}">']
        if entity_set.addressable:
            lines.append(f'<Key><PropertyRef Name="{key}"/></Key>')
        for field in schema.fields:
            if field.name in lacks:
                continue
            length = f' MaxLength="{field.length}"' if field.length else ""
            nullable = "" if field.name != key else ' Nullable="false"'
            edm = _EDM[field.kind]
            if field.kind is Kind.OPTION:
                # guess: the EnumType name (BC names it after the AL enum, e.g. NAV.genJournalAccountType);
                # the member names are the encoded ones the API sends.
                enum_name = f"{schema.entity_name}{field.name[0].upper()}{field.name[1:]}"
                members = "".join(
                    f'<Member Name="{encode_name(option)}" Value="{ordinal}"/>'
                    for ordinal, option in enumerate(field.options)
                )
                enums[enum_name] = f'<EnumType Name="{enum_name}">{members}</EnumType>'
                edm = f"Microsoft.NAV.{enum_name}"
                length = ""
            lines.append(f'<Property Name="{field.name}" Type="{edm}"{length}{nullable}/>')
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
        + "".join(enums.values())
        + "".join(types)
        + '<EntityContainer Name="NAV">'
        + "".join(sets)
        + "</EntityContainer></Schema></edmx:DataServices></edmx:Edmx>"
    )
    return document.encode()
