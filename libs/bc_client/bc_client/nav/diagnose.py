"""`diagnose_nav`: what is wrong with a nav_web_services connection, in words a NAV administrator can act on.

Used by the `check` of both NAV connectors. Each problem names the setting or page to change:
- nothing answers (port closed, wrong host) -> the OData port (default 7048), firewall, service running;
- 404 at `/{instance}/ODataV4/` -> OData V4 disabled ("Enable OData V4 Services" /
  ODataServicesV4EndpointEnabled) or a wrong server instance; an unauthenticated probe of the same instance's
  OData V3 root (`/{instance}/OData/`) tells which (it answers when the instance exists);
- 401 -> NTLM refused vs basic refused, and whether the server wants the other one (its WWW-Authenticate);
- company not found -> the companies the user can see;
- a service of the config not published -> the services the service document lists.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpx

from bc_client.config import NAV_PAGES as PAGES
from bc_client.config import BasicAuth, BCConnectionConfig, NavWebServicesDeployment
from bc_client.errors import (
    NAV_ODATA_V4_HINT,
    ApiDisabledError,
    ApiUnreachableError,
    AuthenticationError,
    AuthorizationError,
    BCError,
    ConfigurationError,
    NotFoundError,
    TLSVerificationError,
)
from bc_client.nav.client import NavPageClient
from bc_client.nav.ntlm import offered_scheme
from bc_client.tls import TlsTrust
from bc_client.transport import RetryPolicy

# A person waits for a check: two quick attempts, and a refused connection is reported at once.
CHECK_RETRY_POLICY = RetryPolicy(
    max_attempts=2, backoff_base=0.2, backoff_max=1.0, max_retry_after=5.0, retry_connect_errors=False
)

DEFAULT_INSTANCES = "NAV 2018 DynamicsNAV110, NAV 2017 DynamicsNAV100, NAV 2016 DynamicsNAV90, NAV 2015 DynamicsNAV80"


def _deployment(config: BCConnectionConfig) -> NavWebServicesDeployment:
    if not isinstance(config.deployment, NavWebServicesDeployment):
        raise ConfigurationError("diagnose_nav needs deployment_type nav_web_services")
    return config.deployment


def _probe(config: BCConnectionConfig, url: str) -> httpx.Response | None:
    """An unauthenticated GET (no credentials leave this machine): what the server says to anyone."""
    trust = TlsTrust(config.ca_certificate)
    try:
        with httpx.Client(verify=trust.ssl_context, timeout=10.0, follow_redirects=False) as http:
            return http.get(url)
    except httpx.HTTPError:
        return None
    finally:
        trust.close()


def _not_found(config: BCConnectionConfig, error: BCError) -> str:
    deployment = _deployment(config)
    v3 = _probe(config, f"{deployment.server_url}/{deployment.server_instance}/OData/")
    where = f"{deployment.odata_v4_url}/ answered 404 ({error.message})"
    if v3 is not None and v3.status_code != 404:
        return (
            f"{where}: server instance {deployment.server_instance!r} exists but its OData V4 endpoint is off. "
            + NAV_ODATA_V4_HINT
        )
    return (
        f"{where}: either server instance {deployment.server_instance!r} does not exist on {deployment.server_url} "
        f"(check server_instance; defaults: {DEFAULT_INSTANCES}) or OData V4 is off on it. " + NAV_ODATA_V4_HINT
    )


def _refused(config: BCConnectionConfig, error: BCError) -> str:
    deployment = _deployment(config)
    probe = _probe(config, f"{deployment.odata_v4_url}/")
    windows = probe is not None and probe.status_code == 401 and offered_scheme(probe) is not None
    offers_basic = probe is not None and any(
        value.strip().casefold().startswith("basic") for value in probe.headers.get_list("WWW-Authenticate")
    )
    user = deployment.auth.username
    if isinstance(deployment.auth, BasicAuth):
        if windows and not offers_basic:
            return (
                f"basic authentication refused for {user!r}: this NAV server uses Windows authentication "
                "(it offers NTLM/Negotiate, credential type Windows): use auth_type ntlm with a DOMAIN\\user and "
                "its password, or set the instance's credential type to NavUserPassword."
            )
        return (
            f"basic authentication refused for {user!r} ({error.message}): check username and "
            "web_service_access_key (the Web Service Access Key from the user card, not the password) and that "
            "the server instance's credential type is NavUserPassword."
        )
    if probe is not None and probe.status_code == 401 and not windows:
        return (
            "NTLM refused: this NAV server does not offer Windows authentication (credential type "
            "NavUserPassword): use auth_type basic with the user's web service access key."
        )
    return (
        f"NTLM (Windows) authentication refused for {user!r} ({error.message}): check the DOMAIN\\user name and "
        "password, and that this Windows user is set up in NAV (Users page) with permissions in the company."
    )


def _connection_problem(config: BCConnectionConfig, error: BCError) -> str:
    deployment = _deployment(config)
    if isinstance(error, TLSVerificationError):
        return error.message
    if isinstance(error, ApiUnreachableError):
        return (
            f"cannot reach the NAV server at {deployment.server_url} ({error.message}) Check server_url and the "
            "port: NAV's OData port is 7048 by default, it must be open in the firewall, and the server instance "
            "must be running."
        )
    if isinstance(error, NotFoundError):
        return _not_found(config, error)
    if isinstance(error, AuthenticationError):
        return _refused(config, error)
    if isinstance(error, ApiDisabledError):
        return f"{deployment.odata_v4_url} answered 405: OData services look disabled. {NAV_ODATA_V4_HINT}"
    if isinstance(error, AuthorizationError):
        return f"the user may not read from NAV ({error.message}): give it permissions in the company."
    return f"the NAV server at {deployment.server_url} failed: {error.message}"


def _company_problem(nav: NavPageClient) -> str | None:
    names = nav.companies()
    if nav.company in names:
        return None
    folded = [name for name in names if name.casefold() == nav.company.casefold()]
    if folded:
        return f"company {nav.company!r} not found; NAV names it {folded[0]!r} (company names are case sensitive)"
    if not names:
        return f"company {nav.company!r} not found: the user sees no company at all (check its permissions)"
    return f"company {nav.company!r} not found. Available companies: " + ", ".join(repr(n) for n in names)


def _service_problems(nav: NavPageClient, roles: Iterable[str]) -> list[str]:
    published = nav.published_services()
    problems = []
    for role in roles:
        service = nav.services.service(role)
        if service in published:
            continue
        listing = ", ".join(published) if published else "none"
        problems.append(
            f"service {service!r} ({role}) is not published on this NAV server instance (published services: "
            f"{listing}). On NAV's Web Services page add object type Page, {PAGES.get(role, role)}, service name "
            f"{service}, tick Published; or set services.{role} to the name it is published under."
        )
    return problems


def _readable(nav: NavPageClient, role: str) -> str | None:
    """One row of a published service: permissions and the company binding, for real."""
    try:
        nav.request("GET", nav.urls.service(role), params={"$top": "1"})
    except BCError as error:
        service = nav.services.service(role)
        return f"reading {service!r} ({role}) failed: {error.message}"
    return None


def diagnose_nav(
    config: BCConnectionConfig, *, roles: Iterable[str] = (), timeout: float = 30.0, **client_options: Any
) -> list[str]:
    """The problems of a nav_web_services connection, each naming what to change; `[]` means it works.

    `roles` are the `NavServices` roles the caller needs (the source: vendors, gl_accounts, dimensions,
    dimension_values, gl_entries); each must be published and readable. Raises only for a config that is not
    nav_web_services (a programming error): every server-side problem is returned as text, secrets redacted."""
    _deployment(config)
    wanted = list(dict.fromkeys(roles))
    options = {"retry_policy": CHECK_RETRY_POLICY, "timeout": timeout, **client_options}
    with NavPageClient.from_config(config, **options) as nav:
        try:
            nav.published_services()
        except BCError as error:
            return [_connection_problem(config, error)]
        try:
            company = _company_problem(nav)
        except BCError as error:
            return [_connection_problem(config, error)]
        if company is not None:
            return [company]
        problems = _service_problems(nav, wanted)
        missing = {nav.services.service(role) for role in wanted} - set(nav.published_services())
        for role in wanted:
            if nav.services.service(role) not in missing:
                problem = _readable(nav, role)
                if problem is not None:
                    problems.append(problem)
        return problems
