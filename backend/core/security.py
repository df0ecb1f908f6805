"""Response headers that keep browsers safe, and CORS closed unless configured."""
from __future__ import annotations

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

API_CSP = "default-src 'none'; frame-ancestors 'none'"
# The docs page loads Swagger UI from its CDN.
DOCS_CSP = "default-src 'self' https://cdn.jsdelivr.net; img-src 'self' data: https:; style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; frame-ancestors 'none'"


def init_app(app: Flask) -> None:
    if app.config["TRUSTED_PROXY_HOPS"]:
        hops = app.config["TRUSTED_PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    allowed_origins = set(app.config["CORS_ORIGINS"])
    production = app.config["APP_ENV"] == "production"

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("Content-Security-Policy", DOCS_CSP if request.path == "/api/docs" else API_CSP)
        if production:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        origin = request.headers.get("Origin")
        if origin and origin in allowed_origins:
            headers["Access-Control-Allow-Origin"] = origin
            headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type, Idempotency-Key"
            headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, DELETE"
            headers["Vary"] = "Origin"
        return response
