"""A throw-away certificate authority and a server certificate for 127.0.0.1/localhost (TLS mode)."""

from __future__ import annotations

import ipaddress
import shutil
import ssl
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class TlsMaterial:
    """The CA and server certificate, in memory and as files in `directory` (a private key among them: the
    server removes the folder when it stops, and writes it again if it is started again)."""

    ca_pem: str
    ca_file: Path  # the CA certificate on disk, for clients that want a path (requests/msal `verify=`)
    cert_file: Path
    key_file: Path
    directory: Path
    cert_pem: bytes
    key_pem: bytes

    def write(self) -> None:
        """(Re)create the files, e.g. for a server started again after `remove()`."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.ca_file.write_text(self.ca_pem)
        self.cert_file.write_bytes(self.cert_pem)
        self.key_file.touch(mode=0o600)
        self.key_file.chmod(0o600)
        self.key_file.write_bytes(self.key_pem)

    def remove(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


def generate(directory: Path | None = None, hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "::1")) -> TlsMaterial:
    """Create a CA and a server certificate signed by it (EC P-256: fast to generate)."""
    target = Path(directory or tempfile.mkdtemp(prefix="bc-emulator-tls-"))
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "BC Emulator Test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    material = TlsMaterial(
        ca_pem=ca_cert.public_bytes(serialization.Encoding.PEM).decode(),
        ca_file=target / "ca.pem",
        cert_file=target / "server.pem",
        key_file=target / "server.key",
        directory=target,
        cert_pem=server_cert.public_bytes(serialization.Encoding.PEM),
        key_pem=server_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )
    material.write()
    return material
