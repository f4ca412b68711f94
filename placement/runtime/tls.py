"""Mutual TLS between controllers and node agents: a cluster CA and one certificate per party.

`init_keys` (``placement keys init``) writes, with the `cryptography` library:

- ``ca.pem`` / ``ca.key`` — the cluster's certificate authority (keep ``ca.key`` offline
  once the certificates are made; only ``ca.pem`` is needed at run time);
- ``<node>.pem`` / ``<node>.key`` — one per node agent, for serving: its subject
  alternative names are the node name (what the controller checks, so a certificate
  stolen from bob cannot pose as alice) and the addresses given;
- ``controller.pem`` / ``controller.key`` — the client certificate every controller
  (and ``placement status``) presents; agents accept only clients the CA signed.

Keys are EC P-256, written mode 0600; certificates are valid for `VALIDITY_DAYS`.
Node certificates carry only the serverAuth usage and the controller's only
clientAuth, so neither can stand in for the other. HMAC stays as the message layer
(`placement.runtime.auth`): TLS adds secrecy and peer identity, HMAC binds every
message to its target node and its moment.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
from collections.abc import Iterable
from pathlib import Path

from placement.errors import InvalidInput

CA = "ca"
CONTROLLER = "controller"
VALIDITY_DAYS = 825  # the longest server-certificate life TLS clients commonly accept


def _names(directory: Path, name: str) -> tuple[Path, Path]:
    return directory / f"{name}.pem", directory / f"{name}.key"


def init_keys(directory: Path, nodes: Iterable[str], hosts: Iterable[str] = ("127.0.0.1", "localhost")) -> list[Path]:
    """Make the CA, one server certificate per node and the controller's client certificate.

    Refuses to overwrite an existing CA (that would orphan every certificate it signed).
    Returns the files written.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    nodes = list(nodes)
    if not nodes:
        raise InvalidInput("keys init needs at least one node name")
    for node in nodes:
        if not node or node in (CA, CONTROLLER) or "/" in node or node.startswith("."):
            raise InvalidInput(f"keys init: {node!r} cannot be a node name here")
    directory.mkdir(parents=True, exist_ok=True)
    ca_cert_path, ca_key_path = _names(directory, CA)
    if ca_key_path.exists() or ca_cert_path.exists():
        raise InvalidInput(f"{ca_cert_path}: a cluster CA exists already; use another directory")
    now = datetime.datetime.now(datetime.UTC)
    written: list[Path] = []

    def write(path: Path, data: bytes, private: bool) -> None:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        written.append(path)

    def key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
        return key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "placement cluster CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALIDITY_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )  # keyCertSign, cRLSign
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    write(ca_key_path, key_pem(ca_key), private=True)
    write(ca_cert_path, ca_cert.public_bytes(serialization.Encoding.PEM), private=False)

    def issue(name: str, usage: x509.ObjectIdentifier, alt_names: list[x509.GeneralName]) -> None:
        key = ec.generate_private_key(ec.SECP256R1())
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=VALIDITY_DAYS))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(True, False, True, False, True, False, False, False, False), critical=True
            )  # digitalSignature, keyEncipherment, keyAgreement (ECDHE)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        )
        if alt_names:
            builder = builder.add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        cert = builder.sign(ca_key, hashes.SHA256())
        cert_path, key_path = _names(directory, name)
        write(key_path, key_pem(key), private=True)
        write(cert_path, cert.public_bytes(serialization.Encoding.PEM), private=False)

    extra: list[x509.GeneralName] = []
    for host in hosts:
        try:
            extra.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            extra.append(x509.DNSName(host))
    for node in nodes:
        issue(node, ExtendedKeyUsageOID.SERVER_AUTH, [x509.DNSName(node), *extra])
    issue(CONTROLLER, ExtendedKeyUsageOID.CLIENT_AUTH, [x509.DNSName(CONTROLLER)])
    return written


def _require(paths: Iterable[Path]) -> None:
    for path in paths:
        if not path.is_file():
            raise InvalidInput(f"{path}: missing; make the cluster's keys with: placement keys init")


def server_context(directory: Path, node: str) -> ssl.SSLContext:
    """What agent ``node`` serves with: its certificate, and only clients the cluster CA signed."""
    cert, key = _names(directory, node)
    ca, _ = _names(directory, CA)
    _require([cert, key, ca])
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    context.load_verify_locations(ca)
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def client_context(directory: Path) -> ssl.SSLContext:
    """What a controller connects with: its client certificate; agents must prove their node name."""
    cert, key = _names(directory, CONTROLLER)
    ca, _ = _names(directory, CA)
    _require([cert, key, ca])
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies the chain and the host name
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    context.load_verify_locations(ca)
    return context
