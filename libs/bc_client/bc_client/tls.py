"""Which certificate authorities the client trusts: the usual public ones, plus an optional extra CA from config.

Verification is never turned off. An on-premises server signed by a private CA is trusted by adding that CA,
and that choice is logged loudly (subject and fingerprint) so an operator can see what was trusted.
"""

from __future__ import annotations

import functools
import logging
import os
import ssl
import tempfile
import threading
from pathlib import Path

import certifi
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from bc_client.errors import ConfigurationError

logger = logging.getLogger("bc_client")


def _describe(pem: str) -> list[str]:
    try:
        certificates = x509.load_pem_x509_certificates(pem.encode())
    except ValueError as exc:
        raise ConfigurationError(
            f"ca_certificate is not a PEM certificate (expected -----BEGIN CERTIFICATE-----): {exc}"
        ) from None
    return [
        f"subject={cert.subject.rfc4514_string()!r} sha256={cert.fingerprint(hashes.SHA256()).hex(':')}"
        for cert in certificates
    ]


@functools.lru_cache(maxsize=16)
def _ssl_context(extra_ca_pem: str | None) -> ssl.SSLContext:
    """Loading the CA stores costs ~0.1 s, so clients with the same trust share one (read-only) context."""
    context = ssl.create_default_context()  # system store: corporate CAs installed on the host
    context.load_verify_locations(cafile=certifi.where())
    if extra_ca_pem:
        context.load_verify_locations(cadata=extra_ca_pem)
    return context


class TlsTrust:
    """An `ssl.SSLContext` for httpx and a CA bundle path for MSAL (which uses `requests`)."""

    def __init__(self, extra_ca_pem: str | None = None) -> None:
        self.extra_ca_pem = extra_ca_pem.strip() + "\n" if extra_ca_pem else None
        self._bundle_path: Path | None = None
        self._lock = threading.Lock()
        if self.extra_ca_pem:
            descriptions = _describe(self.extra_ca_pem)
        self.ssl_context = _ssl_context(self.extra_ca_pem)
        if self.extra_ca_pem:
            for description in descriptions:
                logger.warning(
                    "TLS: trusting an extra certificate authority from the ca_certificate setting (%s). "
                    "Every server certificate it signs will be accepted.",
                    description,
                )

    def requests_verify(self) -> str | bool:
        """The `verify=` value for requests/MSAL: True (public CAs), or a bundle file with the extra CA added."""
        if not self.extra_ca_pem:
            return True
        with self._lock:
            if self._bundle_path is None:
                handle, name = tempfile.mkstemp(prefix="bc_client_ca_", suffix=".pem")
                # Start from the bundle requests would have used (a corporate one from the environment, else
                # certifi's), so that adding our CA takes nothing away.
                base = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or certifi.where()
                if not Path(base).is_file():
                    base = certifi.where()
                with os.fdopen(handle, "w") as bundle:
                    bundle.write(Path(base).read_text())
                    bundle.write("\n")
                    bundle.write(self.extra_ca_pem)
                self._bundle_path = Path(name)
            return str(self._bundle_path)

    def close(self) -> None:
        with self._lock:
            if self._bundle_path is not None:
                self._bundle_path.unlink(missing_ok=True)
                self._bundle_path = None


def is_certificate_failure(exc: BaseException) -> bool:
    """Whether a transport error is a failed TLS certificate verification (httpx wraps ssl's error)."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return True
        cause = cause.__cause__ or cause.__context__
    text = str(exc)
    return "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text
