"""$metadata of a NAV 2018 OData V4 endpoint: EDMX, namespace NAV, one EntityType and EntitySet per published page.

Option fields are Edm.String in NAV 2018 (the captions travel as text; OData enum types came with BC 24's schema
version 2.0). Code and Text fields carry MaxLength. Company is the root entity set; each page service is also a
contained navigation property of Company, which is how Company('name')/Service addresses it.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from bc_emulator.fields import Kind
from bc_emulator.nav_classic.pages import COMPANY_FIELDS, NavPage

_EDM = {
    Kind.CODE: "Edm.String",
    Kind.TEXT: "Edm.String",
    Kind.OPTION: "Edm.String",
    Kind.DECIMAL: "Edm.Decimal",
    Kind.INT: "Edm.Int32",
    Kind.BOOL: "Edm.Boolean",
    Kind.DATE: "Edm.Date",
    Kind.DATETIME: "Edm.DateTimeOffset",
    Kind.GUID: "Edm.Guid",
}


def metadata_document(services: dict[str, NavPage]) -> bytes:
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">',
        "<edmx:DataServices>",
        '<Schema Namespace="NAV" xmlns="http://docs.oasis-open.org/odata/ns/edm">',
        '<EntityType Name="Company"><Key><PropertyRef Name="Name" /></Key>',
    ]
    for name, length in COMPANY_FIELDS:
        edm = "Edm.Guid" if name == "Id" else "Edm.String"
        extra = f' MaxLength="{length}"' if length else ""
        nullable = ' Nullable="false"' if name == "Name" else ""
        lines.append(f'<Property Name="{name}" Type="{edm}"{nullable}{extra} />')
    for service in services:
        lines.append(
            f'<NavigationProperty Name={quoteattr(service)} Type="Collection(NAV.{service})" ContainsTarget="true" />'
        )
    lines.append("</EntityType>")
    for service, page in services.items():
        lines.append(f"<EntityType Name={quoteattr(service)}><Key>")
        lines.extend(f'<PropertyRef Name="{key}" />' for key in page.keys)
        lines.append("</Key>")
        for field in page.fields:
            attributes = [f'Name="{field.name}"', f'Type="{_EDM[field.kind]}"']
            if field.name in page.keys:
                attributes.append('Nullable="false"')
            if field.length is not None and field.kind in (Kind.CODE, Kind.TEXT):
                attributes.append(f'MaxLength="{field.length}"')
            if field.kind is Kind.DECIMAL:
                attributes.append('Scale="Variable"')
            lines.append(f"<Property {' '.join(attributes)} />")
        lines.append("</EntityType>")
    lines.append('<EntityContainer Name="NAV">')
    lines.append('<EntitySet Name="Company" EntityType="NAV.Company" />')
    lines.extend(f'<EntitySet Name={quoteattr(s)} EntityType="NAV.{s}" />' for s in services)
    lines += ["</EntityContainer>", "</Schema>", "</edmx:DataServices>", "</edmx:Edmx>"]
    return "\n".join(lines).encode("utf-8")
