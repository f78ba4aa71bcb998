"""Requests under {url}/{instance}/ODataV4/: service document, $metadata, Company, and the published page services.

  GET    ODataV4/                                   service document (Company + the published services)
  GET    ODataV4/$metadata                          EDMX of the published pages
  GET    ODataV4/Company[('name')]                  companies
  GET    ODataV4/Company('name')/Service[(key)]     a page as a collection ($filter $select $orderby $top $skip
                                                    $count, server paging with @odata.nextLink) or one record
  POST   ODataV4/Company('name')/Service            insert through the page (its validation runs)
  PATCH  ODataV4/Company('name')/Service(key)       modify, If-Match required
  DELETE ODataV4/Company('name')/Service(key)       delete, If-Match required
Also `ODataV4/Service?company=name`, as NAV accepts. POST runs the page's OnNewRecord/OnInsert, PATCH OnModify
(If-Match: an ETag or '*'), DELETE OnDelete (Microsoft Learn, Using OData Web Services to Modify Data). Keys: Service('10000'), Service(Name='X',Line_No=10000).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from bc_emulator import errors, jsonio
from bc_emulator.errors import ApiError
from bc_emulator.fields import Kind
from bc_emulator.nav_classic import errors as nav_errors
from bc_emulator.nav_classic import writes
from bc_emulator.nav_classic.metadata import metadata_document
from bc_emulator.nav_classic.pages import PAGES, NavPage
from bc_emulator.odata.etag import check_if_match, etag_for
from bc_emulator.odata.filter import parse_filter
from bc_emulator.odata.query import PageToken, QueryOptions, parse_options, split_top_level
from bc_emulator.service import _resume_after
from bc_emulator.store import ROW_VERSION, CompanyData

if TYPE_CHECKING:
    from bc_emulator.server import EmulatorServer

JSON_TYPE = "application/json; odata.metadata=minimal; odata.streaming=true; charset=utf-8"
ODATA_HEADERS = {"Content-Type": JSON_TYPE, "OData-Version": "4.0"}
_SEGMENT = re.compile(r"^(?P<name>[^()]+)(?:\((?P<key>.*)\))?$", re.DOTALL)
_MAX_PAGE = re.compile(r"odata\.maxpagesize\s*=\s*(\d+)")


@dataclass
class NavCall:
    method: str
    path: str  # below ODataV4/, percent-decoded
    params: list[tuple[str, str]]
    headers: dict[str, str]
    body: Any
    root: str  # absolute URL of ODataV4


@dataclass
class NavResult:
    status: int
    headers: dict[str, str]
    body: Any = None
    raw: bytes | None = None


@dataclass(frozen=True)
class Resolved:
    service: str
    page: NavPage
    company: CompanyData
    key: dict[str, Any] | None  # parsed key values, None for the collection
    company_prefix: str  # "Company('x')/" or "" (company from ?company=)


def route_template(path: str) -> str:
    """What fault rules match on: 'ODataV4/<Service>' (keys and company dropped), 'ODataV4/Company', ..."""
    names = []
    for segment in _segments(path):
        match = _SEGMENT.match(segment)
        names.append(match.group("name") if match else segment)
    if len(names) > 1:
        names = [name for name in names if name != "Company"]
    return "ODataV4/" + "/".join(names)


def execute(emu: EmulatorServer, call: NavCall) -> NavResult:
    try:
        return _execute(emu, call)
    except ApiError as error:
        return NavResult(error.status, {**ODATA_HEADERS, **error.headers}, nav_errors.body(error))


def _execute(emu: EmulatorServer, call: NavCall) -> NavResult:
    published = emu.settings.nav_published_services
    segments = _segments(call.path)
    if not segments:
        _only(call, "GET", "ODataV4")
        value = [{"name": "Company", "kind": "EntitySet", "url": "Company"}]
        value += [{"name": name, "kind": "EntitySet", "url": name} for name in published]
        return NavResult(200, dict(ODATA_HEADERS), {"@odata.context": f"{call.root}/$metadata", "value": value})
    if segments == ["$metadata"]:
        _only(call, "GET", "$metadata")
        document = metadata_document({name: PAGES[role] for name, role in published.items()})
        return NavResult(200, {"Content-Type": "application/xml; charset=utf-8", "OData-Version": "4.0"}, raw=document)
    first = _split(segments[0])
    if first[0] == "Company" and len(segments) == 1:
        _only(call, "GET", "Company")
        return _companies(emu, call, first[1])
    resolved = _resolve(emu, call, segments)
    match call.method:
        case "GET":
            return _get(emu, call, resolved)
        case "POST" if resolved.key is None:
            _allowed(resolved, "POST")
            return _insert(emu, call, resolved)
        case "PATCH" | "PUT" if resolved.key is not None:
            _allowed(resolved, call.method)
            return _modify(emu, call, resolved)
        case "DELETE" if resolved.key is not None:
            _allowed(resolved, "DELETE")
            return _delete(emu, call, resolved)
    raise errors.method_not_allowed(call.method, resolved.service)


# -- addressing ----------------------------------------------------------------------------------------


def _segments(path: str) -> list[str]:
    return [s for s in split_top_level(path.strip("/"), "/") if s]


def _split(segment: str) -> tuple[str, str | None]:
    match = _SEGMENT.match(segment)
    if match is None:
        raise errors.query_syntax(f"Invalid segment '{segment}'.")
    key = match.group("key")
    return match.group("name"), None if key is None else key.strip()


def _only(call: NavCall, method: str, what: str) -> None:
    if call.method != method:
        raise errors.method_not_allowed(call.method, what)


def _allowed(resolved: Resolved, method: str) -> None:
    if method not in resolved.page.verbs and not (method == "PUT" and "PATCH" in resolved.page.verbs):
        raise nav_errors.read_only_page(method, resolved.service)


def _resolve(emu: EmulatorServer, call: NavCall, segments: list[str]) -> Resolved:
    name, key = _split(segments[0])
    prefix = ""
    if name == "Company":
        if key is None or len(segments) != 2:
            raise errors.query_syntax("The request URI is not valid.")
        company_name = _string_literal(key)
        company = emu.store.company_by_name(company_name)
        if company is None:
            raise nav_errors.company_not_found(company_name)
        prefix = f"Company('{_quote_key(company.name)}')/"
        name, key = _split(segments[1])
    else:
        if len(segments) != 1:
            raise nav_errors.segment_not_found(segments[1])
        company_name = dict(call.params).get("company")
        if company_name is None:
            raise nav_errors.no_default_company()
        company = emu.store.company_by_name(company_name)
        if company is None:
            raise nav_errors.company_not_found(company_name)
    role = emu.settings.nav_published_services.get(name)
    if role is None:
        raise nav_errors.segment_not_found(name)
    page = PAGES[role]
    return Resolved(name, page, company, None if key is None else parse_key(page, key), prefix)


def _string_literal(text: str) -> str:
    if len(text) >= 2 and text.startswith("'") and text.endswith("'"):
        return text[1:-1].replace("''", "'")
    raise errors.query_syntax(f"'{text}' is not a string literal.")


def _quote_key(value: str) -> str:
    return value.replace("'", "''")


def parse_key(page: NavPage, text: str) -> dict[str, Any]:
    """Service('10000') for a one-field key, Service(Name='X',Line_No=10000) for any key; strings quoted with ''
    doubled, integers bare (OData V4 key-as-segment syntax, as NAV 2018 reads it)."""
    parts = [p.strip() for p in split_top_level(text, ",")]
    values: dict[str, Any] = {}
    if len(parts) == 1 and "=" not in parts[0].split("'")[0]:
        if len(page.keys) != 1:
            raise nav_errors.bad_key(text)
        values[page.keys[0]] = parts[0]
    else:
        for part in parts:
            name, sep, literal = part.partition("=")
            if not sep or name.strip() not in page.keys:
                raise nav_errors.bad_key(text)
            values[name.strip()] = literal.strip()
    if set(values) != set(page.keys):
        raise nav_errors.bad_key(text)
    return {name: _key_value(page, name, literal, text) for name, literal in values.items()}


def _key_value(page: NavPage, name: str, literal: str, text: str) -> Any:
    nav_field = page.by_name[name]
    if nav_field.kind is Kind.INT:
        if not literal.lstrip("-").isdigit():
            raise nav_errors.bad_key(text)
        return int(literal)
    value = _string_literal(literal)
    return value.upper() if nav_field.kind is Kind.CODE else value


# -- reading -------------------------------------------------------------------------------------------


def _companies(emu: EmulatorServer, call: NavCall, key: str | None) -> NavResult:
    rows = [
        {"Name": c.name, "Display_Name": c.record.get("displayName", c.name), "Id": c.id, "Business_Profile_Id": ""}
        for c in emu.store.companies.values()
    ]
    context = f"{call.root}/$metadata#Company"
    if key is not None:
        name = _string_literal(key)
        found = [r for r in rows if r["Name"] == name]
        if not found:
            raise nav_errors.company_not_found(name)
        return NavResult(200, dict(ODATA_HEADERS), {"@odata.context": f"{context}/$entity", **found[0]})
    return NavResult(200, dict(ODATA_HEADERS), {"@odata.context": context, "value": rows})


def stored_rows(page: NavPage, company: CompanyData) -> list[dict[str, Any]]:
    if page.table is None:
        return [setup_record(company)]
    return company.table(page.table).values()


def setup_record(company: CompanyData) -> dict[str, Any]:
    """General Ledger Setup as one record: its ETag changes when the setup values it shows change."""
    shown = "|".join(str(company.setup.get(k, "")) for k in ("globalDimension1Code", "globalDimension2Code"))
    version = int(hashlib.sha256(shown.encode()).hexdigest()[:12], 16)
    return {"id": f"{company.id}:general-ledger-setup", ROW_VERSION: version}


def find(page: NavPage, company: CompanyData, key: dict[str, Any]) -> dict[str, Any] | None:
    for record in stored_rows(page, company):
        if all(page.by_name[name].value(company, record) == value for name, value in key.items()):
            return record
    return None


def require(resolved: Resolved) -> dict[str, Any]:
    assert resolved.key is not None
    record = find(resolved.page, resolved.company, resolved.key)
    if record is None:
        # Internal_RecordNotFound: "The %1 does not exist. Identification fields and values: %2" (platform text)
        raise errors.record_not_found(resolved.page.caption, resolved.page.key_text(resolved.key))
    return record


def entity(resolved: Resolved, record: dict[str, Any], select: list[str] | None = None) -> dict[str, Any]:
    view = resolved.page.view(resolved.company, record)
    shown = {k: v for k, v in view.items() if select is None or k in select or k in resolved.page.keys}
    return {"@odata.etag": etag_for(record), **shown}


def _get(emu: EmulatorServer, call: NavCall, resolved: Resolved) -> NavResult:
    options = parse_options(call.params)
    page = resolved.page
    if options.expand:
        raise nav_errors.unknown_property(options.expand[0].name, resolved.service)
    for name in options.select or []:
        if name not in page.by_name:
            raise nav_errors.unknown_property(name, resolved.service)
    context = f"{call.root}/$metadata#{resolved.company_prefix}{resolved.service}"
    if resolved.key is not None:
        record = require(resolved)
        body = {"@odata.context": f"{context}/$entity", **entity(resolved, record, options.select)}
        return NavResult(200, {**ODATA_HEADERS, "ETag": body["@odata.etag"]}, body)
    ordered = _ordered(resolved, options)
    page_size, remaining_top, offset = _window(emu, call, options, ordered)
    end = offset + page_size if remaining_top is None else min(offset + page_size, offset + remaining_top)
    rows = ordered[offset:end]
    body: dict[str, Any] = {"@odata.context": context}
    if options.count:
        body["@odata.count"] = len(ordered)
    body["value"] = [entity(resolved, record, options.select) for _, _, record in rows]
    left = None if remaining_top is None else remaining_top - len(rows)
    if end < len(ordered) and rows and (left is None or left > 0):
        token = PageToken(rows[-1][0], tuple(options.orderby), page_size, left)
        body["@odata.nextLink"] = _next_link(call, token)
    return NavResult(200, dict(ODATA_HEADERS), body)


def _ordered(resolved: Resolved, options: QueryOptions) -> list[tuple[tuple[Any, ...], dict, dict]]:
    """(sort position, view, record) of the rows that pass $filter, in $orderby then key order."""
    page, company = resolved.page, resolved.company
    expr = parse_filter(options.filter, page.filter_schema(resolved.service)) if options.filter else None
    for name, _ in options.orderby:
        if name not in page.by_name:
            raise nav_errors.unknown_property(name, resolved.service)
    rows = []
    for record in stored_rows(page, company):
        view = page.view(company, record)
        if expr is None or expr.matches(view):
            position = tuple(view[n] for n, _ in options.orderby) + tuple(view[k] for k in page.keys)
            rows.append((position, view, record))
    rows.sort(key=lambda row: row[0][len(options.orderby) :])
    for index in reversed(range(len(options.orderby))):
        rows.sort(key=lambda row, i=index: row[0][i], reverse=options.orderby[index][1])
    return rows


def _window(
    emu: EmulatorServer, call: NavCall, options: QueryOptions, ordered: list[tuple[tuple[Any, ...], dict, dict]]
) -> tuple[int, int | None, int]:
    if options.skiptoken is not None:
        token = PageToken.decode(options.skiptoken)
        positioned = [(position, record) for position, _, record in ordered]
        return token.page_size, token.remaining_top, _resume_after(positioned, token, options.orderby)
    # NAV's server page size is the service tier's MaxPageSize (1000 by default); odata.maxpagesize lowers it.
    page_size = emu.settings.page_size
    match = _MAX_PAGE.search(call.headers.get("prefer", ""))
    if match:
        page_size = max(1, min(page_size, int(match.group(1))))
    return page_size, options.top, options.skip or 0


def _next_link(call: NavCall, token: PageToken) -> str:
    params = [(k, v) for k, v in call.params if k not in ("$skiptoken", "$skip", "$top")]
    params.append(("$skiptoken", token.encode()))
    path = "/".join(quote(part, safe="(),'=$@:.") for part in call.path.strip("/").split("/"))
    return f"{call.root}/{path}?{urlencode(params, quote_via=quote, safe=',$()')}"


# -- writing -------------------------------------------------------------------------------------------


def _insert(emu: EmulatorServer, call: NavCall, resolved: Resolved) -> NavResult:
    body = _body_object(call.body)
    with emu.store.transaction() as txn:
        record = writes.insert(txn, emu, resolved.page, resolved.company, body)
    view = entity(resolved, record)
    key = ",".join(_key_literal(resolved.page, k, view[k]) for k in resolved.page.keys)
    location = f"{call.root}/{resolved.company_prefix}{resolved.service}({key})"
    context = f"{call.root}/$metadata#{resolved.company_prefix}{resolved.service}/$entity"
    headers = {**ODATA_HEADERS, "ETag": view["@odata.etag"], "Location": location}
    return NavResult(201, headers, {"@odata.context": context, **view})


def _modify(emu: EmulatorServer, call: NavCall, resolved: Resolved) -> NavResult:
    body = _body_object(call.body)
    with emu.store.transaction() as txn:
        record = require(resolved)
        check_if_match(call.headers.get("if-match"), etag_for(record))
        updated = writes.modify(txn, emu, resolved.page, resolved.company, record, body)
    view = entity(resolved, updated)
    context = f"{call.root}/$metadata#{resolved.company_prefix}{resolved.service}/$entity"
    return NavResult(200, {**ODATA_HEADERS, "ETag": view["@odata.etag"]}, {"@odata.context": context, **view})


def _delete(emu: EmulatorServer, call: NavCall, resolved: Resolved) -> NavResult:
    with emu.store.transaction() as txn:
        record = require(resolved)
        check_if_match(call.headers.get("if-match"), etag_for(record))
        writes.delete(txn, emu, resolved.page, resolved.company, record)
    return NavResult(204, {"OData-Version": "4.0"})


def _body_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise errors.bad_request("Invalid Request Body")
    return body


def _key_literal(page: NavPage, name: str, value: Any) -> str:
    text = str(value) if page.by_name[name].kind is Kind.INT else f"'{_quote_key(str(value))}'"
    return f"{name}={text}" if len(page.keys) > 1 else text


def parse_body(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return jsonio.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise errors.bad_request("Invalid Request Body") from None
