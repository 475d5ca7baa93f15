"""Security headers: a Content-Security-Policy that needs no inline script, a Permissions-Policy,
and HSTS behind HTTPS."""

from __future__ import annotations

import re
from pathlib import Path

from django.test import Client

from needle.core.middleware import content_security_policy, tile_source

NEEDLE = Path(__file__).resolve().parents[2]


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in policy.split("; ")}


def test_pages_the_api_and_the_admin_carry_the_policies(world, client_for):
    for client, path in [
        (Client(), "/login/"),
        (Client(), "/report/"),
        (client_for("supervisor"), "/operations/"),
        (Client(), "/api/v1/docs"),
        (Client(), "/admin/login/"),
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        csp = directives(response)
        assert csp["script-src"] == ["'self'"], path
        assert csp["default-src"] == ["'self'"] and csp["object-src"] == ["'none'"]
        assert csp["frame-ancestors"] == ["'none'"] and csp["base-uri"] == ["'none'"]
        permissions = response["Permissions-Policy"]
        assert "camera=()" in permissions and "microphone=()" in permissions
        assert "geolocation=(self)" in permissions
        assert "Strict-Transport-Security" not in response


def test_hsts_is_sent_when_the_site_is_served_over_https(db, settings):
    settings.SECURE_HSTS_SECONDS = 3600
    response = Client().get("/login/")
    assert response["Strict-Transport-Security"] == "max-age=3600"


def test_map_tiles_from_elsewhere_are_allowed_as_images_only():
    assert tile_source("") == "" and tile_source("/tiles/{z}/{x}/{y}.png") == ""
    assert tile_source("https://{s}.tile.example/{z}/{x}/{y}.png") == "https://*.tile.example"
    policy = content_security_policy("https://tiles.example:8443/{z}/{x}/{y}.png")
    assert "img-src 'self' data: blob: https://tiles.example:8443;" in policy
    assert "tiles.example" not in policy.replace("img-src 'self' data: blob: https://tiles.example:8443", "")


def test_every_tile_layers_server_is_allowed_once():
    policy = content_security_policy(
        [
            "https://t0.tiles.example/base/{z}/{x}/{y}.png",
            "https://t0.tiles.example/labels/{z}/{x}/{y}.png",
            "https://labels.example/{z}/{x}/{y}.png",
            "/tiles/{z}/{x}/{y}.png",
        ]
    )
    assert "img-src 'self' data: blob: https://t0.tiles.example https://labels.example;" in policy
    assert "img-src 'self' data: blob:;" in content_security_policy([])


def test_no_template_has_an_inline_script_or_handler():
    inline = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
    handler = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
    found = []
    for template in NEEDLE.rglob("templates/**/*.html"):
        text = template.read_text()
        found += [f"{template.relative_to(NEEDLE)}: {m.group(0)}" for m in inline.finditer(text)]
        found += [f"{template.relative_to(NEEDLE)}: {m.group(0)}" for m in handler.finditer(text)]
    assert not found, "scripts must be static files (the CSP forbids inline ones): " + "; ".join(found)
