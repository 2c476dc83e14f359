"""The web-security headers, for every answer, from this one place (an `after_request`).

- Content-Security-Policy: scripts, styles, fonts, workers and connections only from this
  origin, no inline script, no plugins, no framing; images also as data: and blob: URLs (QR
  codes, photo previews) and media as blob: (the camera).
- X-Content-Type-Options: nosniff; Referrer-Policy: no-referrer (a calendar feed's URL carries
  its token); X-Frame-Options: DENY for browsers older than frame-ancestors; a Permissions-Policy
  that lets the app use the camera and nothing else; Cross-Origin-Opener-Policy: same-origin.
- Strict-Transport-Security when the request came over HTTPS (behind a proxy, ZHIBU_PROXY_FIX
  makes `request.is_secure` follow X-Forwarded-Proto).
- Cache-Control: no-store on API answers (names, phone numbers, records), unless a view set its
  own (the API documents, the Swagger assets).
"""
from __future__ import annotations

from flask import Flask, request

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"
API_PREFIX = "/api/"
CACHEABLE_API = ("/api/v1/openapi.json", "/api/v1/docs")


def init_app(app: Flask) -> None:
    @app.after_request
    def _security_headers(response):
        # One pass over the answer's headers, not one per header set (werkzeug's setdefault scans
        # them all each time): every request goes through here.
        present = {name.lower() for name, _ in response.headers}
        response.headers.extend([(name, value) for name, value in HEADERS.items() if name.lower() not in present])
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        path = request.path
        if path.startswith(API_PREFIX) and not path.startswith(CACHEABLE_API):
            response.headers["Cache-Control"] = "no-store"
            response.headers.setdefault("Pragma", "no-cache")
        return response
