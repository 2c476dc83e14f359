"""`flask --app server serve`: the development and demo server behind `make run`.

Plain HTTP on 127.0.0.1 by default. With --https it listens on the local network with a
self-signed certificate (phones need a secure context for the camera and the service worker)
and prints the LAN address as a QR code to scan. Production runs under gunicorn instead.
"""
from __future__ import annotations

import datetime as dt
import ipaddress
import os
import socket
from pathlib import Path

import click
from flask.cli import ScriptInfo, pass_script_info

from sync import clock

CERT_VALIDITY = dt.timedelta(days=365)
# Regenerate a little before the end, so a phone never meets an expired certificate mid-demo.
CERT_RENEW_BEFORE = dt.timedelta(days=7)
CERT_DOWNLOAD_PATH = "/tls/cert.pem"


def lan_ip() -> str:
    """This machine's address on the local network, without sending anything anywhere.

    connect() on a UDP socket only asks the kernel which interface would route to that address;
    no packet leaves the machine. Falls back to the hostname's address, then to loopback.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.connect(("10.255.255.255", 1))
        address = sock.getsockname()[0]
    except OSError:
        address = None
    finally:
        sock.close()
    if not address or address.startswith("0."):
        try:
            address = socket.gethostbyname(socket.gethostname())
        except OSError:
            address = "127.0.0.1"
    return address


def _general_name(host: str):
    from cryptography import x509

    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host.lower())


def _name_key(host: str) -> str:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return host.lower()


def _existing_cert_fits(cert_path: Path, key_path: Path, wanted: set[str]) -> bool:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (OSError, ValueError, x509.ExtensionNotFound):
        return False
    names = {_name_key(n) for n in sans.get_values_for_type(x509.DNSName)}
    names |= {str(ip) for ip in sans.get_values_for_type(x509.IPAddress)}
    same_key = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) == key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    fresh = cert.not_valid_after_utc - clock.real_now() > CERT_RENEW_BEFORE
    return names == wanted and same_key and fresh


def _write_private(path: Path, data: bytes, mode: int) -> None:
    """Write through a temporary file created with `mode`, then rename over `path`."""
    tmp = path.with_name(path.name + ".tmp")
    if tmp.exists():
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(tmp, mode)  # the umask may have narrowed or the platform ignored the mode
    os.replace(tmp, path)


def ensure_self_signed_cert(directory, hosts) -> tuple[Path, Path]:
    """A self-signed certificate for `hosts` (names or IP addresses) in `directory`.

    Reuses cert.pem/key.pem when they cover exactly these hosts and are not about to expire;
    otherwise generates a new RSA key (mode 0600) and a certificate valid for one year. The
    certificate is its own CA (basicConstraints CA:TRUE) so a phone can install it as a trusted
    root profile, and it carries serverAuth and the subjectAltNames that iOS and Android require.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    hosts = list(dict.fromkeys(h for h in hosts if h))
    if not hosts:
        raise ValueError("at least one host is needed")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    wanted = {_name_key(h) for h in hosts}
    if cert_path.exists() and key_path.exists() and _existing_cert_fits(cert_path, key_path, wanted):
        return cert_path, key_path

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = clock.real_now()  # checked by phones against their own clocks, so never shifted
    name = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Zhibu (local)"),
        # Dated, so a phone's list of trusted profiles tells an old certificate from the current one.
        x509.NameAttribute(NameOID.COMMON_NAME, f"Zhibu local server {now:%Y-%m-%d}"),
    ])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))  # phones whose clock runs a little behind
        .not_valid_after(now + CERT_VALIDITY)
        .add_extension(x509.SubjectAlternativeName([_general_name(h) for h in hosts]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(digital_signature=True, key_encipherment=True, key_cert_sign=True, content_commitment=False,
                          data_encipherment=False, key_agreement=False, crl_sign=False, encipher_only=False,
                          decipher_only=False),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    _write_private(key_path, key_pem, 0o600)
    _write_private(cert_path, cert.public_bytes(serialization.Encoding.PEM), 0o644)
    return cert_path, key_path


def _with_cert_download(wsgi_app, cert_path: Path):
    """Serves the (public) certificate at CERT_DOWNLOAD_PATH so a phone can install it."""

    def app(environ, start_response):
        if environ.get("PATH_INFO") == CERT_DOWNLOAD_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            body = cert_path.read_bytes()
            start_response("200 OK", [
                ("Content-Type", "application/x-x509-ca-cert"),
                ("Content-Disposition", 'attachment; filename="zhibu-local-cert.pem"'),
                ("Content-Length", str(len(body))),
            ])
            return [b"" if environ["REQUEST_METHOD"] == "HEAD" else body]
        return wsgi_app(environ, start_response)

    return app


def _print_demo_logins(app) -> None:
    from server.demo.cli import echo_logins
    from server.demo.operations import DEMO_LOGINS, demo_loaded

    try:
        with app.app_context():
            present = demo_loaded()
    except Exception:  # noqa: BLE001 - no database yet, or not migrated: just no logins to show
        present = False
    if present:
        echo_logins(DEMO_LOGINS)


def _print_qr(text: str) -> None:
    import qrcode

    qr = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_L)
    qr.add_data(text)
    qr.make(fit=True)
    try:
        qr.print_ascii(invert=True)
    except (UnicodeEncodeError, OSError):  # a terminal that cannot draw the blocks
        click.echo("(This terminal cannot draw the QR code; type the address instead.)")


PHONE_HELP = """\
On a phone on the same Wi-Fi (在同一 Wi-Fi 下的手机上):
  1. Scan the QR code or open {url} / 扫码或打开上面的地址.
  2. The browser warns that the certificate is not trusted: choose "Advanced" → "Continue"
     (Safari: "Show Details" → "visit this website") / 浏览器提示证书不受信任时选择“继续访问”。
  3. For the camera and offline mode to work reliably, trust the certificate (信任证书):
     - iOS: open {url}{download} in Safari → Allow the profile download → Settings → Profile
       Downloaded → Install; then Settings → General → About → Certificate Trust Settings →
       turn on full trust for "Zhibu local server".
     - Android: download {url}{download}, then Settings → Security → Encryption & credentials →
       Install a certificate → CA certificate → choose the file.
  The certificate is {cert} (valid one year, regenerated when this machine's address changes)."""


@click.command("serve")
@click.option("--port", type=int, default=lambda: int(os.environ.get("PORT") or 5000),
              show_default="$PORT or 5000", help="Port to listen on.")
@click.option("--host", default=None, help="Address to bind (default 127.0.0.1; 0.0.0.0 with --https).")
@click.option("--https", "use_https", is_flag=True,
              help="Serve on the local network over HTTPS with a self-signed certificate, for phones.")
@pass_script_info
def serve_command(info: ScriptInfo, port: int, host: str | None, use_https: bool):
    """Run Zhibu with Werkzeug's threaded server (development and demos; production uses gunicorn)."""
    from werkzeug.serving import run_simple

    app = info.load_app()
    host = host or ("0.0.0.0" if use_https else "127.0.0.1")
    wsgi_app, ssl_context = app, None
    if use_https:
        ip = lan_ip()
        hosts = ["localhost", "127.0.0.1", ip]
        if host not in ("0.0.0.0", "::", ""):
            hosts.append(host)
        cert_path, key_path = ensure_self_signed_cert(Path(app.instance_path) / "tls", hosts)
        ssl_context = (str(cert_path), str(key_path))
        wsgi_app = _with_cert_download(app, cert_path)
        url = f"https://{ip}:{port}"
        click.echo(f"Zhibu is running: {url}  (and https://localhost:{port} on this machine)")
        _print_qr(url)
        click.echo(PHONE_HELP.format(url=url, download=CERT_DOWNLOAD_PATH, cert=cert_path))
    else:
        shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        click.echo(f"Zhibu is running: http://{shown}:{port}")
    _print_demo_logins(app)
    if clock.is_shifted():
        click.echo(f"The server's clock is set by ZHIBU_TODAY: it is {clock.now().astimezone(clock.CHINA):%Y-%m-%d %H:%M} "
                   "in China for the server. Phones keep their own clocks, so their check-in codes will not match.")
    click.echo("Press Ctrl+C to stop. (Development server; production runs under gunicorn.)")
    run_simple(host, port, wsgi_app, threaded=True, use_reloader=False, use_debugger=False, ssl_context=ssl_context)
