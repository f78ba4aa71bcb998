"""The transport side of NAV mode: which requests reach the ODataV4 endpoint, and what wraps them (auth, faults,
request log) - the NAV counterpart of app.py's API path."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from bc_emulator import errors, jsonio
from bc_emulator.http_server import HttpRequest, HttpResponse
from bc_emulator.nav_classic import errors as nav_errors
from bc_emulator.nav_classic.auth import Unauthorized, authenticate
from bc_emulator.nav_classic.service import NavCall, execute, parse_body, route_template

if TYPE_CHECKING:
    from bc_emulator.server import EmulatorServer

_JSON = {"Content-Type": "application/json; charset=utf-8"}


def handle(emu: EmulatorServer, request: HttpRequest, path: str, segments: list[str], params: list) -> HttpResponse:
    instance = emu.settings.server_instance
    if not segments or segments[0].casefold() != instance.casefold():
        # guess (http.sys, not NAV): the service tier reserves http://+:7048/{instance}/ only, so any other first
        # segment is answered by http.sys itself: 404 "HTTP Error 404. The requested resource is not found."
        return _http_sys_not_found()
    endpoint = segments[1].casefold() if len(segments) > 1 else ""
    if endpoint == "odatav4" and not emu.settings.nav_odata_v4_enabled:
        # guess: with "Enable V4 Endpoint" off the instance registers no /ODataV4/ URL with http.sys.
        return _http_sys_not_found()
    if endpoint not in ("odatav4", "odata"):
        # The instance exists but serves no such endpoint (NAV 2018 has no api/v2.0): NAV's no-route 404.
        return _error(errors.no_route(request.base_url + path))
    if not emu.settings.nav_odata_enabled:
        # A service tier with OData services turned off answers 405 to every OData call (Microsoft Learn,
        # "Troubleshooting REST API/OData calls": SOAP, OData or APIs turned off on-premises -> 405).
        return HttpResponse(405, {"Content-Type": "text/plain; charset=utf-8"}, b"Method Not Allowed")
    try:
        user = authenticate(emu, request)
    except Unauthorized as refused:
        response = _error(refused.error)
        response.headers.pop("WWW-Authenticate", None)  # the basic authenticator's own challenge: offer ours
        response.repeated_headers = [("WWW-Authenticate", value) for value in refused.challenges]
        return response
    if endpoint == "odata":
        # The OData V3 endpoint of the same instance exists (it asks for credentials like V4 does) but the emulator
        # serves no V3 content. guess: an authenticated V3 request meets NAV's no-route 404.
        return _error(errors.no_route(request.base_url + path))
    prefix = "/" + "/".join(segments[:2])
    sub_path = path[path.find(prefix) + len(prefix) :] if prefix in path else "/".join(segments[2:])
    method = request.method.upper()
    template = route_template(sub_path)
    faults = emu.faults
    delay = faults.jitter_s(emu.settings.latency_ms, emu.settings.latency_jitter_ms)
    for rule in faults.fire(template, method, ("latency",)):
        delay += faults.latency_s(rule)
    if delay > 0:
        time.sleep(delay)
    for rule in faults.fire(template, method, ("timeout",)):
        time.sleep(rule.hang_s)
        return HttpResponse(0, drop=True)
    for rule in faults.fire(template, method, ("status",)):
        return _error(rule.error())
    try:
        body = parse_body(request.body)
    except errors.ApiError as error:
        return _error(error)
    root = f"{request.base_url}/{segments[0]}/{segments[1]}"
    call = NavCall(method, sub_path, params, request.headers, body, root)
    result = execute(emu, call)
    emu.request_log.record(method, f"ODataV4/{sub_path.strip('/')}", result.status)
    del user  # authenticated; NAV page services run as that user (permissions are not emulated)
    if result.status < 400 and faults.fire(template, method, ("drop_after_commit",)):
        return HttpResponse(0, drop=True)  # committed, but the client never hears about it
    if result.raw is not None:
        return HttpResponse(result.status, result.headers, result.raw)
    payload = b"" if result.body is None else jsonio.dumps(result.body)
    return HttpResponse(result.status, result.headers, payload)


def _error(error: errors.ApiError) -> HttpResponse:
    return HttpResponse(error.status, {**_JSON, **error.headers}, jsonio.dumps(nav_errors.body(error)))


def _http_sys_not_found() -> HttpResponse:
    body = (
        '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN""http://www.w3.org/TR/html4/strict.dtd">\r\n'
        "<HTML><HEAD><TITLE>Not Found</TITLE>\r\n"
        '<META HTTP-EQUIV="Content-Type" Content="text/html; charset=us-ascii"></HEAD>\r\n'
        "<BODY><h2>Not Found</h2>\r\n<hr><p>HTTP Error 404. The requested resource is not found.</p>\r\n</BODY></HTML>\r\n"
    )
    return HttpResponse(404, {"Content-Type": "text/html; charset=us-ascii", "Server": "Microsoft-HTTPAPI/2.0"},
                        body.encode("ascii"))  # fmt: skip
