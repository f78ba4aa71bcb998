"""Request routing above the OData service: URL shapes, identity endpoints, auth, limits, faults, admin.

URL shapes served:
  {url}/v2.0/{tenant}/{environment}/api/v2.0/...          BC online (tenant id or domain)
  {url}/v2.0/{environment}/api/v2.0/...                   BC online, tenant taken from the token
  {url}/{instance}/api/v2.0/...                           on-premises (instance default "BC")
  .../api/microsoft/reportsFinance/beta/...               under both prefixes (vendorLedgerEntries)
  {url}/{tenant}/v2.0/.well-known/openid-configuration    Entra ID OIDC discovery (for msal)
  {url}/{tenant}/oauth2/v2.0/token                        client-credentials token endpoint
  {url}/common/discovery/instance                         Entra instance discovery (for msal)
  {url}/_emulator/...                                     admin endpoints (see admin.py)
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

from bc_emulator import errors, jsonio
from bc_emulator.auth import OAuthError
from bc_emulator.http_server import HttpRequest, HttpResponse
from bc_emulator.resources.base import RequestContext
from bc_emulator.service import ApiCall, ApiResult, route_template

if TYPE_CHECKING:
    from bc_emulator.server import EmulatorServer

_APIS = (("v2.0",), ("microsoft", "reportsFinance", "beta"))
_JSON = {"Content-Type": "application/json; charset=utf-8"}


@dataclass(frozen=True)
class ApiRoute:
    api: str
    api_root_path: str  # decoded path of the API root, e.g. /v2.0/<tenant>/production/api/v2.0
    sub_path: str  # below the API root
    cloud: bool
    tenant: str | None  # as written in the URL (None: from the token)
    environment: str | None
    instance: str | None


class EmulatorApp:
    def __init__(self, emulator: EmulatorServer) -> None:
        self.emu = emulator

    def handle(self, request: HttpRequest) -> HttpResponse:
        split = urlsplit(request.target)
        path = unquote(split.path)
        params = parse_qsl(split.query, keep_blank_values=True)
        segments = [s for s in path.split("/") if s]
        try:
            if segments[:1] == ["_emulator"]:
                from bc_emulator.admin import handle_admin

                return handle_admin(self.emu, request, segments[1:], params)
            if self.emu.settings.bc_version == "nav2018":
                from bc_emulator.nav_classic.http import handle as handle_nav

                return handle_nav(self.emu, request, path, segments, params)  # a NAV 2018 server: no api/v2.0
            identity = self._identity(request, segments, params)
            if identity is not None:
                return identity
            route = self._api_route(path, segments)
            if route is None:
                raise errors.no_route(request.base_url + split.path)
            return self._api(request, route, params)
        except errors.ApiError as error:
            return _json_response(error.status, error.body(), error.headers)

    # -- identity (Entra ID) ----------------------------------------------------------------------------

    def _identity(
        self, request: HttpRequest, segments: list[str], params: list[tuple[str, str]]
    ) -> HttpResponse | None:
        auth = self.emu.auth
        try:
            if segments == ["common", "discovery", "instance"] and request.method == "GET":
                return _json_response(200, auth.instance_discovery(request.base_url, params))
            if len(segments) == 4 and segments[1:] == ["v2.0", ".well-known", "openid-configuration"]:
                return _json_response(200, auth.openid_configuration(request.base_url, segments[0]))
            if len(segments) == 4 and segments[1:] == ["discovery", "v2.0", "keys"]:
                return _json_response(200, {"keys": []})
            if len(segments) == 4 and segments[1:] == ["oauth2", "v2.0", "token"]:
                if request.method != "POST":
                    return _json_response(405, {"error": "invalid_request", "error_description": "Use POST."})
                fault = self._status_fault("oauth2/token", "POST")
                if fault is not None:
                    return fault
                token = auth.issue_token(segments[0], request.body, request.headers.get("authorization"))
                return _json_response(200, token, {"Cache-Control": "no-store", "Pragma": "no-cache"})
        except OAuthError as error:
            return _json_response(error.status, error.body())
        return None

    # -- API requests -----------------------------------------------------------------------------------

    def _api_route(self, path: str, segments: list[str]) -> ApiRoute | None:
        if segments[:1] == ["v2.0"]:
            if len(segments) >= 3 and segments[2] == "api":
                tenant, environment, api_start = None, segments[1], 3
            elif len(segments) >= 4 and segments[3] == "api":
                tenant, environment, api_start = segments[1], segments[2], 4
            else:
                return None
            cloud, instance = True, None
        elif len(segments) >= 2 and segments[1] == "api":
            tenant, environment, instance, api_start, cloud = None, None, segments[0], 2, False
        else:
            return None
        for api in _APIS:
            if tuple(segments[api_start : api_start + len(api)]) == api:
                root_segments = segments[: api_start + len(api)]
                root_path = "/" + "/".join(root_segments)
                position = path.find(root_path) + len(root_path)
                return ApiRoute("/".join(api), root_path, path[position:], cloud, tenant, environment, instance)
        return None

    def _api(self, request: HttpRequest, route: ApiRoute, params: list[tuple[str, str]]) -> HttpResponse:
        emu = self.emu
        settings = emu.settings
        tenant_id = None
        if route.cloud:
            if route.tenant is not None:
                tenant_id = emu.auth.resolve_tenant(route.tenant)
                if tenant_id is None:
                    raise errors.invalid_credentials(f"The tenant '{route.tenant}' is not valid for these credentials.")
            if route.environment != settings.environment:
                raise errors.ApiError(
                    404, "BadRequest_NotFound", f"The environment '{route.environment}' does not exist for this tenant."
                )
        elif route.instance != settings.server_instance:
            raise errors.no_route(request.base_url + route.api_root_path)
        if settings.api_disabled:
            # An on-premises service tier with ApiServicesEnabled=false answers 405 to every API call.
            return HttpResponse(405, {"Content-Type": "text/plain; charset=utf-8"}, b"Method Not Allowed")
        user = emu.auth.authenticate(request.headers.get("authorization"), cloud=route.cloud, tenant_id=tenant_id)
        if route.cloud and route.tenant is None:
            tenant_id = settings.tenant_id
        body = _parse_body(request.body)
        call = ApiCall(route.api, request.method.upper(), route.sub_path, params, request.headers, body)
        template = route_template(route.api, route.sub_path)
        operations = _operation_count(call, template, settings.max_batch_operations)
        emu.limiter.acquire(user.name, operations)
        try:
            return self._limited(request, route, call, template, user)
        finally:
            emu.limiter.release(user.name)

    def _limited(self, request: HttpRequest, route: ApiRoute, call: ApiCall, template: str, user: Any) -> HttpResponse:
        emu = self.emu
        settings = emu.settings
        delay = emu.faults.jitter_s(settings.latency_ms, settings.latency_jitter_ms)
        for rule in emu.faults.fire(template, call.method, ("latency",)):
            delay += emu.faults.latency_s(rule)
        if delay > 0:
            time.sleep(delay)
        for rule in emu.faults.fire(template, call.method, ("timeout",)):
            time.sleep(rule.hang_s)
            return HttpResponse(0, drop=True)
        fault = self._status_fault(template, call.method)
        if fault is not None:
            return fault
        ctx = RequestContext(
            store=emu.store,
            settings=settings,
            user=user,
            api_root=request.base_url + route.api_root_path,
            headers=request.headers,
            services=emu,
        )
        emu.job_queue.run_due()  # background posting sessions (Post with Job Queue) whose time has come
        result = emu.service.execute(ctx, call)
        emu.request_log.record(call.method, call.path.strip("/"), result.status)
        if result.status < 400 and emu.faults.fire(template, call.method, ("drop_after_commit",)):
            return HttpResponse(0, drop=True)  # committed, but the client never hears about it
        return _result_response(result)

    def _status_fault(self, template: str, method: str) -> HttpResponse | None:
        for rule in self.emu.faults.fire(template, method, ("status",)):
            error = rule.error()
            return _json_response(error.status, error.body(), error.headers)
        return None

    def inner_fault(self, template: str, method: str) -> errors.ApiError | None:
        """Status faults for a $batch inner request (they fail that request, not the batch)."""
        for rule in self.emu.faults.fire(template, method, ("status",)):
            return rule.error()
        return None


def _parse_body(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return jsonio.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise errors.bad_request("Invalid Request Body") from None


def _operation_count(call: ApiCall, template: str, limit: int) -> int:
    """Each $batch inner request counts as one operation; anything else is one."""
    if template == "$batch" and call.method == "POST" and isinstance(call.body, dict):
        requests = call.body.get("requests")
        if isinstance(requests, list):
            return max(1, min(len(requests), limit))
    return 1


def _json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> HttpResponse:
    return HttpResponse(status, {**_JSON, **(headers or {})}, jsonio.dumps(body))


def _result_response(result: ApiResult) -> HttpResponse:
    if result.raw is not None:
        return HttpResponse(result.status, dict(result.headers), result.raw)
    body = b"" if result.body is None else jsonio.dumps(result.body)
    return HttpResponse(result.status, dict(result.headers), body)
