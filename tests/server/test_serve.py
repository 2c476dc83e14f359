"""The self-signed certificate behind `flask serve --https` (no server is started here)."""
from __future__ import annotations

import ipaddress
import os
import stat
import sys

import pytest
from cryptography import x509

from server.core.serve import CERT_DOWNLOAD_PATH, _with_cert_download, ensure_self_signed_cert, lan_ip


def sans(cert_path) -> set[str]:
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return set(names.get_values_for_type(x509.DNSName)) | {str(ip) for ip in names.get_values_for_type(x509.IPAddress)}


def test_certificate_names_the_hosts_and_is_valid_for_a_year(tmp_path):
    cert_path, key_path = ensure_self_signed_cert(tmp_path / "tls", ["localhost", "127.0.0.1", "192.168.1.23"])
    assert cert_path == tmp_path / "tls" / "cert.pem" and key_path == tmp_path / "tls" / "key.pem"
    assert sans(cert_path) == {"localhost", "127.0.0.1", "192.168.1.23"}
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert 364 <= lifetime.days <= 366
    assert cert.issuer == cert.subject  # self-signed
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert x509.oid.ExtendedKeyUsageOID.SERVER_AUTH in eku
    assert b"PRIVATE KEY" in key_path.read_bytes()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_private_key_is_readable_by_the_owner_only(tmp_path):
    _, key_path = ensure_self_signed_cert(tmp_path, ["localhost"])
    assert stat.S_IMODE(os.stat(key_path).st_mode) == 0o600


def test_second_call_with_the_same_hosts_reuses_the_certificate(tmp_path):
    hosts = ["localhost", "127.0.0.1", "10.0.0.5"]
    cert_path, key_path = ensure_self_signed_cert(tmp_path, hosts)
    cert_bytes, key_bytes = cert_path.read_bytes(), key_path.read_bytes()
    again = ensure_self_signed_cert(tmp_path, list(reversed(hosts)))
    assert again == (cert_path, key_path)
    assert cert_path.read_bytes() == cert_bytes
    assert key_path.read_bytes() == key_bytes


def test_different_hosts_regenerate_the_certificate(tmp_path):
    cert_path, key_path = ensure_self_signed_cert(tmp_path, ["localhost", "127.0.0.1", "192.168.1.23"])
    old_cert, old_key = cert_path.read_bytes(), key_path.read_bytes()
    ensure_self_signed_cert(tmp_path, ["localhost", "127.0.0.1", "192.168.1.42"])
    assert cert_path.read_bytes() != old_cert
    assert key_path.read_bytes() != old_key
    assert sans(cert_path) == {"localhost", "127.0.0.1", "192.168.1.42"}
    assert stat.S_IMODE(os.stat(key_path).st_mode) == 0o600 or sys.platform == "win32"


def test_a_damaged_certificate_is_replaced(tmp_path):
    cert_path, _ = ensure_self_signed_cert(tmp_path, ["localhost"])
    cert_path.write_text("not a certificate")
    ensure_self_signed_cert(tmp_path, ["localhost"])
    assert sans(cert_path) == {"localhost"}


def test_lan_ip_is_an_ipv4_address():
    assert ipaddress.ip_address(lan_ip()).version == 4


def test_the_certificate_can_be_downloaded_for_a_phone_to_install(tmp_path):
    from werkzeug.test import Client
    from werkzeug.wrappers import Response

    cert_path, _ = ensure_self_signed_cert(tmp_path, ["localhost"])
    wrapped = _with_cert_download(Response("the app"), cert_path)
    client = Client(wrapped)
    response = client.get(CERT_DOWNLOAD_PATH)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/x-x509-ca-cert"
    assert response.data == cert_path.read_bytes()
    assert client.get("/").data == b"the app"
