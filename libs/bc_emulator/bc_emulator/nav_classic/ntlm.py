"""NTLM (Windows authentication) as a NAV 2018 service tier with ClientCredentialType=Windows accepts it over HTTP.

The handshake is bound to the TCP connection (MS-NLMP 3.2 connection-oriented NTLM over HTTP, RFC 4559 style):
  client: Authorization: NTLM <NEGOTIATE>     -> server: 401, WWW-Authenticate: NTLM <CHALLENGE>
  client: Authorization: NTLM <AUTHENTICATE>  -> server: the request's answer
on ONE keep-alive connection; the server keeps the challenge it sent in the connection's state. The
AUTHENTICATE message is verified for real as NTLMv2 (MS-NLMP 3.3.2): NTProofStr = HMAC_MD5(NTOWFv2(password,
user, domain), ServerChallenge || blob) must equal the first 16 bytes of the NtChallengeResponse. NTLMv1 and
anonymous logons are refused (a NAV server in a domain with LmCompatibilityLevel 5 does the same). When the client
says it sent a MIC (MsvAvFlags 0x2 in its blob), the MIC over NEGOTIATE || CHALLENGE || AUTHENTICATE is checked with
the exported session key (MS-NLMP 3.1.5.1.2, 3.2.5.1.2), so a tampered handshake is refused too.
Nothing here logs or returns a password, a hash or a response.

Message encoding/decoding and the MS-NLMP one-way functions come from pyspnego (its raw NTLM layer).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
from dataclasses import dataclass

from spnego._ntlm_raw.crypto import hmac_md5, ntowfv1, ntowfv2, rc4k
from spnego._ntlm_raw.messages import (
    Authenticate,
    AvFlags,
    AvId,
    Challenge,
    FileTime,
    MessageType,
    Negotiate,
    NegotiateFlags,
    NTClientChallengeV2,
    TargetInfo,
    Version,
)

_SIGNATURE = b"NTLMSSP\x00"
# The NAV server's Windows identity (what its CHALLENGE names as target). guess: CRONUS is the demo domain.
NETBIOS_DOMAIN = "CRONUS"
NETBIOS_COMPUTER = "NAVSERVER"
DNS_DOMAIN = "cronus.local"

# What a Windows server offers in its CHALLENGE (MS-NLMP 2.2.1.2), intersected with what the client asked for.
_OFFERED = (
    NegotiateFlags.unicode
    | NegotiateFlags.request_target
    | NegotiateFlags.sign
    | NegotiateFlags.seal
    | NegotiateFlags.ntlm
    | NegotiateFlags.always_sign
    | NegotiateFlags.extended_session_security
    | NegotiateFlags.version
    | NegotiateFlags.key_128
    | NegotiateFlags.key_exch
    | NegotiateFlags.key_56
)


class NtlmError(Exception):
    """The NTLM exchange failed (bad message, wrong password, unknown user): answer 401 and start over."""


@dataclass(frozen=True)
class PendingChallenge:
    """What the server must remember between CHALLENGE and AUTHENTICATE on one connection."""

    server_challenge: bytes
    negotiate: bytes  # the messages as sent, for the MIC
    challenge: bytes


def message_type(token: bytes) -> int:
    if len(token) < 12 or token[:8] != _SIGNATURE:
        raise NtlmError("not an NTLM message")
    return int.from_bytes(token[8:12], "little")


def decode_token(header_value: str) -> bytes:
    """The NTLM message in `NTLM <base64>` (also accepted after `Negotiate`, where raw NTLM may travel)."""
    _, _, encoded = header_value.strip().partition(" ")
    try:
        return base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise NtlmError("the NTLM token is not base64") from None


def challenge_for(negotiate_token: bytes) -> tuple[PendingChallenge, str]:
    """Answer a NEGOTIATE message: the state to keep and the `NTLM <CHALLENGE>` header value to send."""
    if message_type(negotiate_token) != MessageType.negotiate:
        raise NtlmError("expected an NTLM NEGOTIATE message")
    try:
        negotiate = Negotiate.unpack(negotiate_token)
    except Exception as exc:  # pyspnego raises struct/value errors on garbage
        raise NtlmError("malformed NTLM NEGOTIATE message") from exc
    flags = (negotiate.flags & _OFFERED) | NegotiateFlags.target_info | NegotiateFlags.target_type_domain
    flags |= NegotiateFlags.ntlm | NegotiateFlags.unicode
    server_challenge = os.urandom(8)
    target_info = TargetInfo()
    target_info[AvId.nb_domain_name] = NETBIOS_DOMAIN
    target_info[AvId.nb_computer_name] = NETBIOS_COMPUTER
    target_info[AvId.dns_domain_name] = DNS_DOMAIN
    target_info[AvId.dns_computer_name] = f"{NETBIOS_COMPUTER.lower()}.{DNS_DOMAIN}"
    target_info[AvId.timestamp] = FileTime.now()
    challenge = Challenge(
        flags=int(flags),
        server_challenge=server_challenge,
        target_name=NETBIOS_DOMAIN,
        target_info=target_info,
        version=Version(10, 0, 14393),  # guess: Windows Server 2016, a usual host for NAV 2018
    )
    packed = challenge.pack()
    header = "NTLM " + base64.b64encode(packed).decode("ascii")
    return PendingChallenge(server_challenge, negotiate_token, packed), header


def verify(authenticate_token: bytes, pending: PendingChallenge, users: dict[str, str]) -> str:
    """Check an AUTHENTICATE message against the challenge sent on this connection; returns 'DOMAIN\\user'.

    `users` maps 'DOMAIN\\user' (case-insensitive, as Windows account names are) to the password."""
    if message_type(authenticate_token) != MessageType.authenticate:
        raise NtlmError("expected an NTLM AUTHENTICATE message")
    try:
        message = Authenticate.unpack(authenticate_token)
    except Exception as exc:
        raise NtlmError("malformed NTLM AUTHENTICATE message") from exc
    user = message.user_name or ""
    domain = message.domain_name or ""
    response = message.nt_challenge_response or b""
    if not user or len(response) <= 24:
        raise NtlmError("anonymous or NTLMv1 logon refused")
    account = _account(users, domain, user)
    if account is None:
        raise NtlmError("unknown user")
    name, password = account
    proof, blob = response[:16], response[16:]
    key = ntowfv2(user, ntowfv1(password), domain)
    if not hmac.compare_digest(hmac_md5(key, pending.server_challenge + blob), proof):
        raise NtlmError("wrong password")
    _check_mic(authenticate_token, message, pending, key, proof, blob)
    return name


_MIC_OFFSET = 72  # after the fixed fields and the 8-byte Version (MS-NLMP 2.2.1.3)


def _check_mic(token: bytes, message: Authenticate, pending: PendingChallenge, key: bytes, proof: bytes,
               blob: bytes) -> None:  # fmt: skip
    try:
        av_flags = NTClientChallengeV2.unpack(blob).av_pairs.get(AvId.flags)
    except Exception as exc:
        raise NtlmError("malformed NTLMv2 blob") from exc
    if av_flags is None or not int(av_flags) & AvFlags.mic:
        return  # the client sent no MIC (older clients): nothing to check
    session_base_key = hmac_md5(key, proof)  # NTLMv2 SessionBaseKey = KeyExchangeKey
    exported = session_base_key
    if message.flags & NegotiateFlags.key_exch and message.encrypted_random_session_key:
        exported = rc4k(session_base_key, message.encrypted_random_session_key)
    zeroed = token[:_MIC_OFFSET] + b"\0" * 16 + token[_MIC_OFFSET + 16 :]
    expected = hmac_md5(exported, pending.negotiate + pending.challenge + zeroed)
    if not hmac.compare_digest(expected, message.mic or b""):
        raise NtlmError("the NTLM message integrity code does not match")


def _account(users: dict[str, str], domain: str, user: str) -> tuple[str, str] | None:
    wanted = f"{domain}\\{user}".casefold()
    for name, password in users.items():
        if name.casefold() == wanted:
            return name, password
    return None
