"""The interactive API documents work under the server's Content-Security-Policy (no inline
script, no CDN): Swagger UI starts from its files and lists the operations."""
from __future__ import annotations

from playwright.sync_api import expect


def test_swagger_ui_renders_the_operations(phones, live_server):
    page = phones.phone()
    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.locator(".opblock").first).to_be_visible(timeout=15_000)
    expect(page.get_by_text("/api/v1/sync/push").first).to_be_visible()
