"""Enum values decoded/encoded in one place; the tenant's fields from $metadata; the BC version."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bc_client import Account, BatchOperation, BusinessCentralClient, JournalLine, PurchaseInvoice, Vendor
from bc_client.enums import decode_entity, decode_enum, encode_body, encode_enum, same_enum
from bc_client.metadata import ApiMetadata
from bc_emulator import EmulatorServer

from ._configs import FAST_RETRIES, basic_config

Factory = Callable[..., EmulatorServer]


@pytest.mark.parametrize(
    ("plain", "wire"),
    [
        (" ", "_x0020_"),
        ("G/L Account", "G_x002F_L_x0020_Account"),
        ("In Review", "In_x0020_Review"),
        ("Credit Memo", "Credit_x0020_Memo"),
        ("Begin-Total", "Begin_x002D_Total"),
        ("Charge (Item)", "Charge_x0020__x0028_Item_x0029_"),
        ("Vendor", "Vendor"),
    ],
)
def test_round_trip(plain: str, wire: str) -> None:
    assert encode_enum(plain) == wire
    assert decode_enum(wire) == plain
    assert encode_enum(wire) == wire  # already a member name: never encoded twice


def test_entities_and_bodies_touch_only_enum_fields() -> None:
    raw = {
        "blocked": "_x0020_",
        "displayName": "A_x0020_B Ltd",  # not an enum field: left alone
        "dimensionSetLines": [{"parentType": "Journal_x0020_Line", "code": "DEPT"}],
    }
    assert decode_entity(raw) == {
        "blocked": " ",
        "displayName": "A_x0020_B Ltd",
        "dimensionSetLines": [{"parentType": "Journal Line", "code": "DEPT"}],
    }
    assert decode_entity({"blocked": True}) == {"blocked": True}  # accounts.blocked is a Boolean
    body = {"accountType": "G/L Account", "description": "G/L Account", "lines": [{"lineType": "Fixed Asset"}]}
    assert encode_body(body) == {
        "accountType": "G_x002F_L_x0020_Account",
        "description": "G/L Account",
        "lines": [{"lineType": "Fixed_x0020_Asset"}],
    }
    assert same_enum(" ", "_x0020_") and same_enum("", " ") and same_enum("in review", "In_x0020_Review")
    assert not same_enum("Payment", "All") and not same_enum(" ", "All")


def test_models_decode_wire_values_and_encode_on_to_bc() -> None:
    vendor = Vendor.model_validate({"number": "V1", "blocked": "_x0020_"})
    assert vendor.blocked == " " and not vendor.is_blocked
    line = JournalLine.model_validate({"accountType": "G_x002F_L_x0020_Account"})
    assert line.account_type == "G/L Account"
    assert line.to_bc() == {"accountType": "G_x002F_L_x0020_Account"}
    assert PurchaseInvoice.model_validate({"status": "Draft"}).is_draft


def test_client_reads_decoded_and_writes_encoded_over_http(bc_emulator: EmulatorServer) -> None:
    with BusinessCentralClient(basic_config(bc_emulator), retry_policy=FAST_RETRIES) as bc:
        vendors = {v["number"]: v for v in bc.iter_entities("vendors")}
        assert vendors["V10000"]["blocked"] == " " and vendors["V10090"]["blocked"] == "All"
        assert bc.get(f"vendors({vendors['V10000']['id']})")["blocked"] == " "
        totals = bc.list_entities("accounts", filter="accountType eq 'Begin_x002D_Total'", model=Account)
        assert totals and {a.account_type for a in totals} == {"Begin-Total"}
        journal = next(bc.iter_entities("journals"))
        path = f"journals({journal['id']})/journalLines"
        created = bc.create(path, {"accountType": "G/L Account", "accountNumber": "6100", "amount": 1})
        assert created["accountType"] == "G/L Account"
        updated = bc.update(f"{path}({created['id']})", {"balanceAccountType": "Bank Account"}, created["@odata.etag"])
        assert updated["balanceAccountType"] == "Bank Account"
        [result] = bc.batch([BatchOperation("POST", path, body={"accountType": "Vendor", "accountNumber": "V10000"})])
        assert result.ok and result.body["accountType"] == "Vendor"
        [read] = bc.batch([BatchOperation("GET", f"{path}?$filter=accountType eq 'G_x002F_L_x0020_Account'")])
        assert [line["accountType"] for line in read.body["value"]] == ["G/L Account"]
    # stored as plain captions whatever the wire carried
    stored = bc_emulator.store.company(bc_emulator.company_id).table("journalLines").values()
    assert {row["accountType"] for row in stored} == {"G/L Account", "Vendor"}


@pytest.mark.parametrize(
    ("version", "major", "journal_template", "consolidation"),
    [("18", 18, False, False), ("21", 21, True, False), ("current", 28, True, True)],
)
def test_available_fields_per_release(
    bc_emulator_factory: Factory, version: str, major: int, journal_template: bool, consolidation: bool
) -> None:
    emu = bc_emulator_factory(bc_version=version)
    with BusinessCentralClient(basic_config(emu), retry_policy=FAST_RETRIES) as bc:
        assert bc.bc_major_version == major and (bc.bc_version or "").startswith(f"{major}.")
        assert ("templateDisplayName" in (bc.available_fields("journals") or set())) is journal_template
        wanted = ["id", "number", "consolidationTranslationMethod", "excludeFromConsolidation"]
        expected = wanted if consolidation else ["id", "number"]
        assert bc.select_existing("accounts", wanted) == expected
        assert bc.has_field("dimensionSetLines", "consolidationCode") is consolidation
        before = emu.usage()["total"]["http_requests"]
        bc.select_existing("dimensions", ["code", "consolidationCode"])
        assert emu.usage()["total"]["http_requests"] == before  # $metadata read once per client
        rows = bc.list_entities("accounts", select=bc.select_existing("accounts", wanted))
        assert rows and set(rows[0]) - {"@odata.etag"} == set(expected)


def test_metadata_parsing_refuses_entities_and_knows_navigation_types() -> None:
    document = (
        '<?xml version="1.0"?><edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">'
        '<edmx:DataServices><Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="Microsoft.NAV">'
        '<EntityType Name="dimensionSetLine"><Property Name="code" Type="Edm.String"/></EntityType>'
        '<EntityType Name="vendor"><Property Name="number" Type="Edm.String"/></EntityType>'
        '<EntityContainer Name="NAV"><EntitySet Name="vendors" EntityType="Microsoft.NAV.vendor"/></EntityContainer>'
        "</Schema></edmx:DataServices></edmx:Edmx>"
    )
    parsed = ApiMetadata.parse(document)
    assert parsed.properties("vendors") == {"number"}
    assert parsed.properties("dimensionSetLines") == {"code"}
    assert parsed.properties("unknownThings") is None
    with pytest.raises(Exception, match="(?i)dtd|entit"):
        ApiMetadata.parse('<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>')
