"""Rate limits per person and per IP on the endpoints people can abuse.

Limits are named by endpoint in config (``RATE_LIMITS``) rather than scattered
over the views, so the whole policy reads in one place. Counters live in Redis
when ``REDIS_URL`` is set and fall back to memory if Redis goes away.
"""
from __future__ import annotations

import math
import time

from flask import Flask, Response, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address


def person_key() -> str:
    """The person the bearer token was signed for, so their limit follows them across IPs and
    fresh logins; a request without a valid token counts against its IP."""
    from backend.auth.services import token_subject

    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    user_id = token_subject(token.strip()) if scheme.lower() == "bearer" else None
    return f"user:{user_id}" if user_id is not None else "ip:" + get_remote_address()


KEY_FUNCS = {"ip": get_remote_address, "user": person_key}

def _retry_after(limiter: Limiter):
    def add_retry_after(response: Response) -> Response:
        breached = limiter.current_limit if response.status_code == 429 else None
        if breached is not None:
            response.headers["Retry-After"] = str(max(1, math.ceil(breached.reset_at - time.time())))
        return response

    return add_retry_after


def init_app(app: Flask) -> None:
    """One limiter per app: its settings (enabled, storage) must not leak between apps."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    # No X-RateLimit-* headers on every answer: they cost two more Redis round trips per limited
    # request (the window's count and age). A refusal still says when to come back.
    limiter = Limiter(key_func=get_remote_address, in_memory_fallback_enabled=True, headers_enabled=False)
    limiter.init_app(app)
    app.extensions["rate_limiter"] = limiter  # flask-limiter keeps only a weak reference
    app.after_request(_retry_after(limiter))
    for endpoint, rules in app.config["RATE_LIMITS"].items():
        if endpoint not in app.view_functions:
            raise KeyError(f"RATE_LIMITS names an unknown endpoint: {endpoint}")
        view = app.view_functions[endpoint]
        for scope, limit in rules.items():
            view = limiter.limit(limit, key_func=KEY_FUNCS[scope], scope=f"{endpoint}:{scope}")(view)
        app.view_functions[endpoint] = view
