"""Admin endpoints under {url}/_emulator/, so that separate processes (demo, end-to-end tests) can drive the
emulator. No authentication: the emulator is a local test server.

  GET    /_emulator/info                      URLs, tenant, environment, company, client id (no secrets)
  GET    /_emulator/faults                    active fault rules
  POST   /_emulator/faults                    add a rule (FaultRule JSON) -> 201 with its id
  DELETE /_emulator/faults[/<id>]             remove all rules, or one
  POST   /_emulator/faults/expire-tokens      revoke every access token issued so far
  GET    /_emulator/clock                     {"now": ..., "frozen": ...}
  POST   /_emulator/clock                     {"advance_seconds": n} | {"now": iso} | {"freeze": bool}
  GET    /_emulator/dump                      the whole store as seed JSON
  GET    /_emulator/usage                     per-user request/operation counters, max concurrency
  DELETE /_emulator/usage                     reset the counters
  POST   /_emulator/reset                     back to the initial seed; faults, counters, webhooks cleared
  POST   /_emulator/seed                      replace the data: a seed JSON body, or {"name": "cronus"}
  GET    /_emulator/settings                  runtime settings
  PATCH  /_emulator/settings                  change api_disabled, page_size, latency_ms, ... at runtime
  GET    /_emulator/setup                     company setups that change posting (first company, or ?company=)
  PATCH  /_emulator/setup                     {"postWithJobQueue": bool, "extDocNoMandatory": bool,
                                              "vendorManualNos": bool}
  GET    /_emulator/job-queue                 job queue entries (Post with Job Queue) of every company
  POST   /_emulator/job-queue/run             run the queued journal posts now (due or not)
  POST   /_emulator/notifications/flush       deliver pending webhook notifications now
  GET    /_emulator/notifications             deliveries made so far
  GET    /_emulator/requests                  API requests answered ($batch inner operations too), is_write flags
  DELETE /_emulator/requests                  clear that log
  POST   /_emulator/nav/post-batch            NAV mode: {"company", "journal_template", "journal_batch"} posts the
                                              batch like an accountant -> {"posted_documents", "gl_entries"}; a
                                              document out of balance (or any posting error) -> 400, nothing posted
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from bc_emulator import errors, jsonio
from bc_emulator.clock import format_datetime, parse_datetime
from bc_emulator.faults import FaultRule
from bc_emulator.http_server import HttpRequest, HttpResponse
from bc_emulator.seeding import SeedError

if TYPE_CHECKING:
    from bc_emulator.server import EmulatorServer

RUNTIME_SETTINGS = (
    "api_disabled",
    "nav_odata_enabled",
    "nav_odata_v4_enabled",
    "page_size",
    "latency_ms",
    "latency_jitter_ms",
    "max_concurrent_requests",
    "max_queued_requests",
    "queue_timeout_s",
    "rate_limit_requests",
    "rate_limit_window_s",
    "throttle_retry_after_s",
    "max_batch_operations",
    "token_lifetime_s",
    "notification_delay_s",
    "notification_collection_threshold",
    "job_queue_delay_s",
)
# Company setup switches tests may flip (General Ledger Setup, Purchases & Payables Setup, vendor No. Series).
SETUP_SWITCHES = ("postWithJobQueue", "extDocNoMandatory", "vendorManualNos")


def handle_admin(
    emu: EmulatorServer, request: HttpRequest, segments: list[str], params: list[tuple[str, str]]
) -> HttpResponse:
    method = request.method.upper()
    body = _body(request)
    match segments, method:
        case ["info"], "GET":
            return _ok(emu.info())
        case ["nav", "post-batch"], "POST":
            return _post_nav_batch(emu, body)
        case ["faults"], "GET":
            return _ok({"value": [r.model_dump() for r in emu.faults.rules()]})
        case ["faults"], "POST":
            try:
                rule = emu.faults.add(FaultRule.model_validate(body or {}))
            except ValidationError as exc:
                return _problem(400, exc.errors(include_url=False, include_context=False))
            return _ok(rule.model_dump(), 201)
        case ["faults"], "DELETE":
            emu.faults.clear()
            return HttpResponse(204)
        case ["faults", "expire-tokens"], "POST":
            emu.expire_tokens()
            return HttpResponse(204)
        case ["faults", rule_id], "DELETE" if rule_id.isdigit():
            return HttpResponse(204) if emu.faults.remove(int(rule_id)) else _problem(404, "no such fault rule")
        case ["clock"], "GET":
            return _ok(_clock(emu))
        case ["clock"], "POST":
            return _set_clock(emu, body or {})
        case ["dump"], "GET":
            return _ok(emu.dump())
        case ["usage"], "GET":
            return _ok(emu.usage())
        case ["usage"], "DELETE":
            emu.limiter.reset()
            return HttpResponse(204)
        case ["reset"], "POST":
            emu.reset()
            return HttpResponse(204)
        case ["seed"], "POST":
            source: Any = body.get("name") if isinstance(body, dict) and set(body) == {"name"} else body
            try:
                emu.seed(source)
            except SeedError as exc:
                return _problem(400, str(exc))
            return HttpResponse(204)
        case ["settings"], "GET":
            return _ok(emu.settings.model_dump(include=set(RUNTIME_SETTINGS)))
        case ["settings"], "PATCH":
            return _patch_settings(emu, body or {})
        case ["setup"], "GET":
            return _ok(_setup(emu, params))
        case ["setup"], "PATCH":
            return _patch_setup(emu, params, body or {})
        case ["job-queue"], "GET":
            entries = [
                {"company": company.name, **entry}
                for company in emu.store.companies.values()
                for entry in company.setup.get("jobQueueEntries", [])
            ]
            return _ok({"value": entries})
        case ["job-queue", "run"], "POST":
            return _ok({"ran": emu.job_queue.run_due(everything=True)})
        case ["requests"], "GET":
            return _ok({"value": emu.request_log.as_json()})
        case ["requests"], "DELETE":
            emu.request_log.clear()
            return HttpResponse(204)
        case ["notifications", "flush"], "POST":
            emu.notifier.flush()
            return HttpResponse(204)
        case ["notifications"], "GET":
            deliveries = [
                {"url": d.url, "payload": d.payload, "status": d.status, "attempt": d.attempt}
                for d in emu.notifier.deliveries
            ]
            return _ok({"value": deliveries})
    return _problem(404, f"no admin endpoint {method} /_emulator/{'/'.join(segments)}")


def _body(request: HttpRequest) -> Any:
    if not request.body.strip():
        return None
    try:
        return jsonio.loads(request.body)
    except ValueError:
        raise errors.bad_request("Invalid Request Body") from None


def _clock(emu: EmulatorServer) -> dict[str, Any]:
    return {"now": format_datetime(emu.clock.now()), "frozen": emu.clock.frozen}


def _set_clock(emu: EmulatorServer, body: dict[str, Any]) -> HttpResponse:
    try:
        if "now" in body:
            emu.clock.set(parse_datetime(str(body["now"])))
        if "advance_seconds" in body:
            emu.clock.advance(float(body["advance_seconds"]))
        if "freeze" in body:
            emu.clock.freeze(bool(body["freeze"]))
    except (ValueError, TypeError) as exc:
        return _problem(400, str(exc))
    return _ok(_clock(emu))


def _patch_settings(emu: EmulatorServer, body: dict[str, Any]) -> HttpResponse:
    unknown = set(body) - set(RUNTIME_SETTINGS)
    if unknown:
        return _problem(400, f"not changeable at runtime: {sorted(unknown)}")
    try:
        for name, value in body.items():
            setattr(emu.settings, name, value)
    except ValidationError as exc:
        return _problem(400, exc.errors(include_url=False, include_context=False))
    return _ok(emu.settings.model_dump(include=set(RUNTIME_SETTINGS)))


def _company(emu: EmulatorServer, params: list[tuple[str, str]]) -> Any:
    name = next((v for k, v in params if k == "company"), None)
    return emu.store._company_for(name)


def _setup(emu: EmulatorServer, params: list[tuple[str, str]]) -> dict[str, Any]:
    company = _company(emu, params)
    return {"company": company.name, **{k: bool(company.setup.get(k, k == "vendorManualNos")) for k in SETUP_SWITCHES}}


def _patch_setup(emu: EmulatorServer, params: list[tuple[str, str]], body: dict[str, Any]) -> HttpResponse:
    unknown = set(body) - set(SETUP_SWITCHES)
    if unknown or not all(isinstance(v, bool) for v in body.values()):
        return _problem(400, f"only booleans for {list(SETUP_SWITCHES)}; got {sorted(body)}")
    try:
        company = _company(emu, params)
    except LookupError as exc:
        return _problem(404, str(exc))
    with emu.store.lock:
        company.setup.update(body)
    return _ok(_setup(emu, params))


def _ok(body: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(status, {"Content-Type": "application/json; charset=utf-8"}, jsonio.dumps(body))


def _problem(status: int, detail: Any) -> HttpResponse:
    return _ok({"error": detail}, status)


def _post_nav_batch(emu: EmulatorServer, body: Any) -> HttpResponse:
    from bc_emulator.nav_classic.posting import post_batch

    if not isinstance(body, dict) or not isinstance(body.get("company"), str):
        return _problem(400, 'body must be {"company": ..., "journal_template": ..., "journal_batch": ...}')
    try:
        result = post_batch(
            emu, body["company"], str(body.get("journal_template", "GENERAL")), str(body.get("journal_batch", ""))
        )
    except errors.ApiError as error:
        return HttpResponse(
            error.status,
            {"Content-Type": "application/json"},
            jsonio.dumps({"error": {"code": error.code, "message": error.message}}),
        )
    return _ok(result)
