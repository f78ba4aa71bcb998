"""The OData service: resolves a path under an API root, applies query options, runs writes, runs $batch.

Transport-free: takes an ApiCall and returns an ApiResult. The HTTP layer (app.py) adds authentication,
limits and fault injection around it; $batch inner requests come back through `execute`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from bc_emulator import errors
from bc_emulator.enum_names import encode_name
from bc_emulator.fields import parse_guid
from bc_emulator.odata.etag import check_if_match
from bc_emulator.odata.filter import FilterExpr, parse_filter
from bc_emulator.odata.metadata import metadata_document
from bc_emulator.odata.query import ExpandItem, PageToken, QueryOptions, parse_options, split_top_level
from bc_emulator.resources.base import EntitySet, Parent, RequestContext, Scope
from bc_emulator.resources.registry import APIS, ApiDefinition, Registry
from bc_emulator.store import CompanyData
from bc_emulator.versions import profile

CONTENT_TYPE = "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8"
ODATA_HEADERS = {"Content-Type": CONTENT_TYPE, "OData-Version": "4.0"}
_SEGMENT = re.compile(r"^(?P<name>[^()]+)(?:\((?P<key>.*)\))?$")
_MAX_PAGE = re.compile(r"odata\.maxpagesize\s*=\s*(\d+)")

InnerFault = Callable[[str, str], "errors.ApiError | None"]


@dataclass
class ApiCall:
    api: str  # key of APIS: "v2.0" or "microsoft/reportsFinance/beta"
    method: str
    path: str  # below the API root, percent-decoded, no query string
    params: list[tuple[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: Any = None


@dataclass
class ApiResult:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None  # JSON-able
    raw: bytes | None = None  # a non-JSON body ($metadata)

    @classmethod
    def from_error(cls, error: errors.ApiError) -> ApiResult:
        return cls(error.status, {**ODATA_HEADERS, **error.headers}, error.body())


@dataclass(frozen=True)
class Segment:
    name: str
    key: str | None


@dataclass
class Target:
    handler: EntitySet
    scope: Scope
    record: dict[str, Any] | None = None
    action: str | None = None


def parse_segments(path: str) -> list[Segment]:
    return list(_parsed_segments(path))


@functools.lru_cache(maxsize=1024)  # a $batch repeats one path per operation (and every request is routed twice)
def _parsed_segments(path: str) -> tuple[Segment, ...]:
    segments = []
    for raw in split_top_level(path.strip("/"), "/"):
        if not raw:
            continue
        match = _SEGMENT.match(raw)
        if match is None:
            raise errors.query_syntax(f"Invalid segment '{raw}'.")
        key = match.group("key")
        if key is not None:
            key = key.strip()
            if key.startswith("'") and key.endswith("'") and len(key) >= 2:
                key = key[1:-1].replace("''", "'")
        segments.append(Segment(match.group("name"), key))
    return tuple(segments)


def route_template(api: str, path: str) -> str:
    """The path with keys stripped ("companies/journals/Microsoft.NAV.post"), what fault rules match on."""
    try:
        names = [s.name for s in parse_segments(path)]
    except errors.ApiError:
        names = [path]
    prefix = "" if api == "v2.0" else f"{api}/"
    return prefix + "/".join(names)


@functools.lru_cache(maxsize=256)
def _lacked_fields(bc_version: str, entity_name: str) -> frozenset[str]:
    return profile(bc_version).lacks(entity_name)


class ApiService:
    def __init__(self, registry: Registry | None = None, inner_fault: InnerFault | None = None) -> None:
        self.registry = registry or Registry()
        self.inner_fault = inner_fault

    # -- entry point ------------------------------------------------------------------------------------

    def execute(self, ctx: RequestContext, call: ApiCall) -> ApiResult:
        try:
            return self._execute(ctx, call)
        except errors.ApiError as error:
            return ApiResult.from_error(error)

    def _execute(self, ctx: RequestContext, call: ApiCall) -> ApiResult:
        api = APIS[call.api]
        segments = parse_segments(call.path)
        if not segments:
            if call.method != "GET":
                raise errors.method_not_allowed(call.method, "api")
            return self._service_document(ctx, api)
        if segments[0].name == "$batch":
            if call.method != "POST" or len(segments) != 1:
                raise errors.method_not_allowed(call.method, "$batch")
            return self._batch(ctx, call)
        if segments[0].name == "$metadata":
            if call.method != "GET" or len(segments) != 1:
                raise errors.method_not_allowed(call.method, "$metadata")
            document = self._metadata(api, ctx.settings.bc_version)
            return ApiResult(200, {"Content-Type": "application/xml", "OData-Version": "4.0"}, raw=document)
        method = call.method
        if method == "GET":
            with ctx.store.lock:
                target = self._resolve(ctx, api, segments, call)
                return self._get(ctx, target, call)
        if method not in ("POST", "PATCH", "DELETE"):
            raise errors.method_not_allowed(method, segments[-1].name)
        body = call.body
        if self._needs_prepare(api, segments):
            with ctx.store.lock:
                target = self._resolve(ctx, api, segments, call)
                if method in ("PATCH", "DELETE") and target.record is not None and not target.action:
                    etag = target.handler.etag(target.record)
                    if etag is not None:
                        check_if_match(call.headers.get("if-match"), etag)  # before any handshake
            if not target.action:
                body = target.handler.prepare(ctx, method, target.record, call.body)
        with ctx.store.transaction() as txn:
            target = self._resolve(ctx, api, segments, call)
            handler, scope, record = target.handler, target.scope, target.record
            if method in ("POST", "PATCH") and target.action is None:
                self._check_body_fields(ctx, handler, call.body)
            if target.action is not None:
                if method != "POST" or record is None:
                    raise errors.method_not_allowed(method, target.action)
                handler.invoke(txn, ctx, scope, record, target.action)
                return ApiResult(204, {"OData-Version": "4.0"})
            if method not in handler.methods:
                raise errors.method_not_allowed(method, handler.name)
            if method == "POST":
                if record is not None:
                    raise errors.method_not_allowed(method, handler.name)
                created = handler.create(txn, ctx, scope, body if body is not None else {})
                nested = [n for n in handler.deep_insert if isinstance(call.body, dict) and n in call.body]
                expand = [ExpandItem(n, QueryOptions()) for n in nested]
                entity = self._serialize(ctx, handler, scope, created, None, expand)
                location = f"{ctx.api_root}/{_entity_path(call.path, created)}"
                return self._entity_result(201, ctx, call, entity, extra={"Location": location})
            if record is None:
                raise errors.method_not_allowed(method, handler.name)
            etag = handler.etag(record)
            if etag is not None:
                check_if_match(call.headers.get("if-match"), etag)
            if method == "PATCH":
                updated = handler.update(txn, ctx, scope, record, body if body is not None else {})
                entity = self._serialize(ctx, handler, scope, updated, None, [])
                return self._entity_result(200, ctx, call, entity)
            handler.delete(txn, ctx, scope, record)
            return ApiResult(204, {"OData-Version": "4.0"})

    # -- resolution -------------------------------------------------------------------------------------

    def _needs_prepare(self, api: ApiDefinition, segments: list[Segment]) -> bool:
        """Only root sets with work outside the lock (webhook handshakes) take the two-phase path."""
        first = segments[0].name
        return first in api.root_sets and type(self.registry.get(first)).prepare is not EntitySet.prepare

    def _resolve(self, ctx: RequestContext, api: ApiDefinition, segments: list[Segment], call: ApiCall) -> Target:
        first = segments[0]
        companies = self.registry.get("companies")
        if first.name in api.root_sets:
            target = Target(self.registry.get(first.name), Scope(None))
        elif first.name in api.company_sets:
            company = self._hinted_company(ctx, call)
            target = Target(self.registry.get(first.name), Scope(company))
        else:
            raise errors.segment_not_found(first.name)
        if first.key is not None:
            target.record = self._find(ctx, target, first.key)
        for position, segment in enumerate(segments[1:], start=1):
            if target.record is None:
                raise errors.segment_not_found(segment.name)
            handler = target.handler
            if handler is companies:
                if segment.name not in api.company_sets:
                    raise errors.segment_not_found(segment.name)
                company = ctx.store.company(target.record["id"])
                target = Target(self.registry.get(segment.name), Scope(company))
            elif segment.name in handler.actions or segment.name.startswith("Microsoft.NAV."):
                if position != len(segments) - 1 or segment.key is not None:
                    raise errors.segment_not_found(segment.name)
                if segment.name not in handler.actions:
                    raise errors.ApiError(
                        501, "BadRequest_MethodNotImplemented", "Entity does not support bound actions"
                    )
                target.action = segment.name
                return target
            elif segment.name in handler.navigation:
                child = self.registry.get(handler.navigation[segment.name])
                parent = Parent(handler, target.record)
                target = Target(child, Scope(target.scope.company, parent))
            else:
                raise errors.segment_not_found(segment.name)
            if segment.key is not None:
                target.record = self._find(ctx, target, segment.key)
        return target

    def _find(self, ctx: RequestContext, target: Target, key: str) -> dict[str, Any]:
        handler = target.handler
        if not handler.addressable:
            raise errors.query_syntax(f"The entity set '{handler.name}' does not support key lookup.")
        if handler.name != "subscriptions":
            key = parse_guid(key)
        record = handler.find(ctx, target.scope, key)
        if record is None:
            if handler.name == "companies":
                raise errors.ApiError(
                    404,
                    "Internal_CompanyNotFound",
                    f"Cannot process the request because the company with id '{key}' cannot be found.",
                )
            raise errors.record_not_found(handler.schema.caption, handler.key_text(key))
        return record

    def _hinted_company(self, ctx: RequestContext, call: ApiCall) -> CompanyData:
        """Company given by name in a `Company` header or `company=` parameter instead of companies(id)."""
        hint = call.headers.get("company") or next((v for k, v in call.params if k.lower() == "company"), None)
        if hint:
            company = ctx.store.company_by_name(hint) or ctx.store.company(hint.lower())
            if company is not None:
                return company
        raise errors.ApiError(
            400,
            "Internal_CompanyNotFound",
            "Cannot process the request because the default company cannot be found. You can specify a default "
            "company in the service configuration file, or specify one for each tenant, or you can add a query "
            'string in the form of "company=[name]".',
        )

    # -- reads ------------------------------------------------------------------------------------------

    def _get(self, ctx: RequestContext, target: Target, call: ApiCall) -> ApiResult:
        if target.action is not None:
            raise errors.method_not_allowed("GET", target.action)
        options = parse_options(call.params)
        handler = target.handler
        for name in options.select or []:  # checked even when no row comes back, like BC
            self._check_property(ctx, handler, name, allow_navigation=True)
        if target.record is not None:
            entity = self._serialize(ctx, handler, target.scope, target.record, options.select, options.expand)
            return self._entity_result(200, ctx, call, entity)
        ordered = self._ordered(ctx, handler, target.scope, options)
        rows = [row for _, row in ordered]
        page_size, remaining_top, offset = self._page_window(ctx, call, options, ordered)
        end = offset + page_size
        if remaining_top is not None:
            end = min(end, offset + remaining_top)
        page = rows[offset:end]
        body: dict[str, Any] = {"@odata.context": f"{ctx.api_root}/$metadata#{_context_path(call.path)}"}
        if options.count:
            body["@odata.count"] = len(rows)
        body["value"] = [self._serialize(ctx, handler, target.scope, r, options.select, options.expand) for r in page]
        left_top = None if remaining_top is None else remaining_top - len(page)
        if end < len(rows) and (left_top is None or left_top > 0) and page:
            last_position = ordered[end - 1][0]
            token = PageToken(last_position, tuple(options.orderby), page_size, left_top)
            body["@odata.nextLink"] = self._next_link(ctx, call, token)
        headers = dict(ODATA_HEADERS)
        if self._preferred_page_size(call) is not None:
            headers["Preference-Applied"] = f"odata.maxpagesize={page_size}"
        return ApiResult(200, headers, body)

    def _page_window(
        self,
        ctx: RequestContext,
        call: ApiCall,
        options: QueryOptions,
        ordered: list[tuple[tuple[Any, ...], dict[str, Any]]],
    ) -> tuple[int, int | None, int]:
        """(page size, what is left of $top, index of the page's first row)."""
        if options.skiptoken is not None:
            token = PageToken.decode(options.skiptoken)
            return token.page_size, token.remaining_top, _resume_after(ordered, token, options.orderby)
        page_size = ctx.settings.page_size
        preferred = self._preferred_page_size(call)
        if preferred is not None:
            page_size = max(1, min(page_size, preferred))
        return page_size, options.top, options.skip or 0

    @staticmethod
    def _preferred_page_size(call: ApiCall) -> int | None:
        match = _MAX_PAGE.search(call.headers.get("prefer", ""))
        return int(match.group(1)) if match else None

    def _query(
        self, ctx: RequestContext, handler: EntitySet, scope: Scope, options: QueryOptions
    ) -> list[dict[str, Any]]:
        """Filtered and ordered rows of a collection (all of them; the caller pages)."""
        return [row for _, row in self._ordered(ctx, handler, scope, options)]

    def _ordered(
        self, ctx: RequestContext, handler: EntitySet, scope: Scope, options: QueryOptions
    ) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
        """Filtered rows in order, each with its sort position: the $orderby values (as the API shows them),
        then the default order's stored values, then the id. The position is unique and is what skip tokens
        carry."""
        lacks = self._lacks(ctx, handler)
        expr: FilterExpr | None = parse_filter(options.filter, handler.schema, lacks) if options.filter else None
        filter_fields = expr.fields() if expr else set()
        order_fields = {name for name, _ in options.orderby}
        for name in order_fields:
            self._check_property(ctx, handler, name)
        hints = [*expr.equalities(), *expr.bounds()] if expr else []  # conditions an index may answer
        rows = list(handler.collection(ctx, scope, filter_fields, hints))
        needs_view = bool((filter_fields | order_fields) & handler.computed)
        pairs = [(handler.view(ctx, scope, r), r) for r in rows] if needs_view else [(r, r) for r in rows]
        if expr is not None:
            pairs = [(v, r) for v, r in pairs if expr.matches(v)]
        default_order = (*handler.schema.default_order, "id")
        positioned = [
            (tuple(v[name] for name, _ in options.orderby) + tuple(r.get(name, "") for name in default_order), r)
            for v, r in pairs
        ]
        positioned.sort(key=lambda p: p[0][len(options.orderby) :])
        for index in reversed(range(len(options.orderby))):
            positioned.sort(key=lambda p, i=index: p[0][i], reverse=options.orderby[index][1])
        return positioned

    def _serialize(
        self,
        ctx: RequestContext,
        handler: EntitySet,
        scope: Scope,
        record: dict[str, Any],
        select: list[str] | None,
        expand: list[ExpandItem],
    ) -> dict[str, Any]:
        view = handler.view(ctx, scope, record)
        out: dict[str, Any] = {}
        etag = handler.etag(record)
        if etag is not None:
            out["@odata.etag"] = etag
        lacks = self._lacks(ctx, handler)
        names = tuple(n for n in handler.schema.names if n not in lacks)
        if select:
            for name in select:
                self._check_property(ctx, handler, name, allow_navigation=True)
            names = tuple(n for n in select if n in handler.schema.by_name)
        options = handler.schema.option_names
        for name in names:
            # Enum/option fields leave as OData enum member names (schema version 2.0), never as captions.
            # guess: the reportsFinance/beta query is served the same way (its schema version is not documented).
            out[name] = encode_name(view[name]) if name in options else view[name]
        for item in expand:
            out[item.name] = self._expand(ctx, handler, scope, record, item)
        return out

    def _expand(
        self, ctx: RequestContext, handler: EntitySet, scope: Scope, record: dict[str, Any], item: ExpandItem
    ) -> list[dict[str, Any]]:
        if item.name not in handler.navigation:
            raise errors.bad_request(
                f"Could not find a property named '{item.name}' on type 'Microsoft.NAV.{handler.schema.entity_name}'.",
                "BadRequest_NotFound",
            )
        child = self.registry.get(handler.navigation[item.name])
        child_scope = Scope(scope.company, Parent(handler, record))
        rows = self._query(ctx, child, child_scope, item.options)
        start = item.options.skip or 0
        end = None if item.options.top is None else start + item.options.top
        return [
            self._serialize(ctx, child, child_scope, r, item.options.select, item.options.expand)
            for r in rows[start:end]
        ]

    def _check_property(
        self, ctx: RequestContext, handler: EntitySet, name: str, allow_navigation: bool = False
    ) -> None:
        if name in handler.navigation and allow_navigation:
            return
        if name in handler.schema.by_name and name not in self._lacks(ctx, handler):
            return
        raise errors.bad_request(
            f"Could not find a property named '{name}' on type 'Microsoft.NAV.{handler.schema.entity_name}'.",
            "BadRequest_NotFound",
        )

    @staticmethod
    def _lacks(ctx: RequestContext, handler: EntitySet) -> frozenset[str]:
        """Fields of this entity that the emulated release does not have yet (versions.py)."""
        return _lacked_fields(ctx.settings.bc_version, handler.schema.entity_name)

    def _check_body_fields(self, ctx: RequestContext, handler: EntitySet, body: Any) -> None:
        """A body naming a field the release lacks fails like any unknown property (deep-insert children too)."""
        if not isinstance(body, dict):
            return
        lacks = self._lacks(ctx, handler)
        for key, value in body.items():
            if key in lacks:
                raise errors.bad_request(
                    f"The property '{key}' does not exist on type 'Microsoft.NAV.{handler.schema.entity_name}'. "
                    "Make sure to only use property names that are defined by the type."
                )
            if key in handler.deep_insert and key in handler.navigation and isinstance(value, list):
                child = self.registry.get(handler.navigation[key])
                for item in value:
                    self._check_body_fields(ctx, child, item)

    def _entity_result(
        self,
        status: int,
        ctx: RequestContext,
        call: ApiCall,
        entity: dict[str, Any],
        extra: dict[str, str] | None = None,
    ) -> ApiResult:
        headers = dict(ODATA_HEADERS)
        if "@odata.etag" in entity:
            headers["ETag"] = entity["@odata.etag"]
        headers.update(extra or {})
        context = f"{ctx.api_root}/$metadata#{_context_path(call.path)}/$entity"
        return ApiResult(status, headers, {"@odata.context": context, **entity})

    def _next_link(self, ctx: RequestContext, call: ApiCall, token: PageToken) -> str:
        params = [(k, v) for k, v in call.params if k not in ("$skiptoken", "$skip", "$top")]
        params.append(("$skiptoken", token.encode()))
        path = "/".join(quote(part, safe="(),'=$@:.") for part in call.path.strip("/").split("/"))
        return f"{ctx.api_root}/{path}?{urlencode(params, quote_via=quote, safe=',$()')}"

    def _metadata(self, api: ApiDefinition, bc_version: str) -> bytes:
        names = sorted(api.root_sets | api.company_sets)
        seen: list[str] = []
        while names:
            name = names.pop(0)
            if name not in seen:
                seen.append(name)
                names.extend(sorted(self.registry.get(name).navigation.values()))
        return metadata_document([self.registry.get(name) for name in seen], profile(bc_version))

    def _service_document(self, ctx: RequestContext, api: ApiDefinition) -> ApiResult:
        names = sorted(api.root_sets)
        value = [{"name": n, "kind": "EntitySet", "url": n} for n in names]
        return ApiResult(200, dict(ODATA_HEADERS), {"@odata.context": f"{ctx.api_root}/$metadata", "value": value})

    # -- $batch -----------------------------------------------------------------------------------------

    def _batch(self, ctx: RequestContext, call: ApiCall) -> ApiResult:
        requests = batch_requests(call.body, ctx.settings.max_batch_operations)
        atomic = call.headers.get("isolation", "").strip().lower() == "snapshot"
        continue_on_error = "continue-on-error" in call.headers.get("prefer", "") and not atomic
        responses: list[dict[str, Any]] = []
        if atomic:
            with ctx.store.transaction() as txn:
                for request in requests:
                    response = self._inner(ctx, call, request)
                    responses.append(response)
                    if response["status"] >= 400:
                        txn.rollback()  # Isolation: snapshot -> all or nothing (up to the last COMMIT)
                        break
        else:
            for request in requests:
                response = self._inner(ctx, call, request)
                responses.append(response)
                if response["status"] >= 400 and not continue_on_error:
                    break  # OData: without odata.continue-on-error processing stops at the first failure
        return ApiResult(200, dict(ODATA_HEADERS), {"responses": responses})

    def _inner(self, ctx: RequestContext, outer: ApiCall, request: dict[str, Any]) -> dict[str, Any]:
        request_id = request.get("id")
        try:
            inner = self._inner_call(ctx, outer, request)
            if self.inner_fault is not None:
                fault = self.inner_fault(route_template(inner.api, inner.path), inner.method)
                if fault is not None:
                    raise fault
            result = self._execute(ctx, inner)
        except errors.ApiError as error:
            result = ApiResult.from_error(error)
        log = getattr(ctx.services, "request_log", None)
        if log is not None:
            log.record(str(request.get("method", "")), _inner_path(request), result.status, in_batch=True)
        response: dict[str, Any] = {
            "id": request_id,
            "status": result.status,
            "headers": {k.lower(): v for k, v in result.headers.items()},
        }
        if result.body is not None:
            response["body"] = result.body
        return response

    def _inner_call(self, ctx: RequestContext, outer: ApiCall, request: dict[str, Any]) -> ApiCall:
        method = str(request.get("method", "")).upper()
        url = request.get("url")
        if method not in ("GET", "POST", "PATCH", "DELETE", "PUT") or not isinstance(url, str):
            raise errors.bad_request("Each batch request needs a method and a url.")
        parts = urlsplit(url)
        path = unquote(parts.path)
        root_path = unquote(urlsplit(ctx.api_root).path)
        if path.startswith(root_path):
            path = path[len(root_path) :]
        elif parts.scheme:
            raise errors.bad_request(f"The batch request url '{url}' is not under the API root.")
        if path.strip("/").startswith("$batch"):
            raise errors.bad_request("A $batch request cannot contain another $batch request.")
        headers = {str(k).lower(): str(v) for k, v in (request.get("headers") or {}).items()}
        return ApiCall(
            api=outer.api,
            method=method,
            path=path,
            params=parse_qsl(parts.query, keep_blank_values=True),
            headers=headers,
            body=request.get("body"),
        )


def batch_requests(body: Any, limit: int) -> list[dict[str, Any]]:
    """The inner requests of a JSON $batch body, checked for shape and BC's operation limit."""
    if not isinstance(body, dict) or not isinstance(body.get("requests"), list):
        raise errors.bad_request('A JSON batch request body needs a "requests" array.')
    requests = body["requests"]
    if not all(isinstance(r, dict) for r in requests):
        raise errors.bad_request("Each batch request must be a JSON object.")
    if len(requests) > limit:
        raise errors.bad_request(
            f"The batch request contains {len(requests)} operations; the maximum number of operations in a batch "
            f"is {limit}.",
            "BadRequest_BatchSizeExceeded",
        )
    return requests


def _resume_after(
    ordered: list[tuple[tuple[Any, ...], dict[str, Any]]], token: PageToken, orderby: list[tuple[str, bool]]
) -> int:
    """Index of the first row strictly after the token's position in the current order (BC's keyset paging)."""
    if token.order != tuple(orderby) or (ordered and len(token.position) != len(ordered[0][0])):
        raise errors.query_syntax("The skip token is not valid.")
    descending = [flag for _, flag in orderby] + [False] * (len(token.position) - len(orderby))
    for index, (position, _) in enumerate(ordered):
        if _is_after(position, token.position, descending):
            return index
    return len(ordered)


def _is_after(position: tuple[Any, ...], last: tuple[Any, ...], descending: list[bool]) -> bool:
    for value, last_value, desc in zip(position, last, descending, strict=True):
        if value == last_value:
            continue
        try:
            greater = value > last_value
        except TypeError:  # a token crafted with another type: compare as text rather than fail
            greater = str(value) > str(last_value)
        return greater != desc
    return False  # the very row the previous page ended with


def _inner_path(request: dict[str, Any]) -> str:
    """The logged path of a $batch inner request: its URL path below the API root (as the client wrote it)."""
    url = str(request.get("url", ""))
    return unquote(urlsplit(url).path).strip("/")


def _context_path(path: str) -> str:
    return path.strip("/")


def _entity_path(path: str, record: dict[str, Any]) -> str:
    return f"{path.strip('/')}({record.get('id')})"
