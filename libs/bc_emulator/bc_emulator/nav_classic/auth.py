"""Who is calling a NAV 2018 server: NavUserPassword (HTTP basic) and/or Windows (NTLM), per `settings.nav_auth`.

NavUserPassword takes the user name and password, or the user's web service access key, as HTTP basic
credentials (the emulator's basic users: user -> web service access key). Windows authentication is NTLM bound to
the connection (ntlm.py). A request without credentials, or with credentials the server refuses, gets 401 with one
WWW-Authenticate per accepted scheme (guess: a NAV server with ClientCredentialType=Windows offers "Negotiate" and
"NTLM"; the emulator offers only NTLM, as it cannot take Kerberos tickets).

guess: once an NTLM handshake succeeded, later requests on the same keep-alive connection without an Authorization
header are taken as the same user (http.sys's connection-based NTLM); a new NEGOTIATE restarts the handshake.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bc_emulator import errors
from bc_emulator.auth import user_for
from bc_emulator.errors import ApiError
from bc_emulator.http_server import HttpRequest
from bc_emulator.nav_classic import ntlm
from bc_emulator.resources.base import User

if TYPE_CHECKING:
    from bc_emulator.server import EmulatorServer

_PENDING = "nav.ntlm.pending"  # connection state: the CHALLENGE awaiting its AUTHENTICATE
_USER = "nav.ntlm.user"  # connection state: the Windows user this connection authenticated as


@dataclass
class Unauthorized(Exception):
    """Answer 401 with these WWW-Authenticate values (the handshake's CHALLENGE or the schemes on offer)."""

    challenges: list[str]
    error: ApiError = field(default_factory=lambda: errors.invalid_credentials())


def authenticate(emu: EmulatorServer, request: HttpRequest) -> User:
    settings = emu.settings
    accepts_basic = settings.nav_auth in ("basic", "both")
    accepts_ntlm = settings.nav_auth in ("ntlm", "both")
    offered = [*(["NTLM"] if accepts_ntlm else []), *(['Basic realm=""'] if accepts_basic else [])]
    header = (request.headers.get("authorization") or "").strip()
    scheme = header.partition(" ")[0].lower()
    state = request.connection
    if not header:
        user = state.get(_USER)
        if accepts_ntlm and isinstance(user, str):
            return user_for(user)
        raise Unauthorized(offered, errors.invalid_credentials("The request has no credentials."))
    if scheme in ("ntlm", "negotiate") and accepts_ntlm:
        return _ntlm_step(settings.nav_ntlm_users, header, state, offered)
    if scheme == "basic" and accepts_basic:
        try:
            return emu.auth.authenticate(header, cloud=False, tenant_id=None)
        except ApiError as error:
            raise Unauthorized(offered, error) from None
    raise Unauthorized(offered)


def _ntlm_step(users: dict[str, str], header: str, state: dict[str, object], offered: list[str]) -> User:
    state.pop(_USER, None)  # any new token restarts authentication on this connection
    try:
        token = ntlm.decode_token(header)
        kind = ntlm.message_type(token)
        if kind == 1:
            pending, challenge = ntlm.challenge_for(token)
            state[_PENDING] = pending
            raise Unauthorized([challenge])
        if kind == 3:
            pending = state.pop(_PENDING, None)
            if not isinstance(pending, ntlm.PendingChallenge):
                raise ntlm.NtlmError("AUTHENTICATE without a CHALLENGE on this connection")
            name = ntlm.verify(token, pending, users)
            state[_USER] = name
            return user_for(name)
        raise ntlm.NtlmError("unexpected NTLM message")
    except ntlm.NtlmError:
        state.pop(_PENDING, None)
        raise Unauthorized(offered) from None
