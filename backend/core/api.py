"""The REST API object, blueprints, access declarations and list envelopes.

Every API view declares who may call it with ``@access(...)``; the declaration is
kept on the view so the permission-matrix test can find views that have none.
"""
from __future__ import annotations

import functools
from typing import Callable

import marshmallow as ma
from flask import g
from flask_smorest import Api as SmorestApi
from flask_smorest import Blueprint as SmorestBlueprint
from werkzeug.routing import IntegerConverter
from webargs.flaskparser import FlaskParser, abort

from backend.core.errors import http_error_response

API_PREFIX = "/api/v1"
MAX_ID = 2**31 - 1  # PostgreSQL's INTEGER; a larger id cannot exist, so it is a 404, not a database error


class IdConverter(IntegerConverter):
    """``<int:…>`` in our URLs: a positive id within the column's range."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def id_param_schema(converter: IdConverter) -> dict:
    return {"type": "integer", "minimum": converter.min, "maximum": converter.max}
PUBLIC = "public"
LOGIN = "login"
#: Logged in, with the person checked by the view's own statement (``g.caller``, no login lookup):
#: for the hottest paths, whose one statement can check the token's version as well.
TOKEN = "token"


class Api(SmorestApi):
    """flask-smorest's API object, answering HTTP errors with our envelope (one per app)."""

    ERROR_SCHEMA = None  # set below, once ErrorSchema is defined

    def handle_http_exception(self, error):
        return http_error_response(error)


class _Parser(FlaskParser):
    """webargs' parser, saying in Chinese that a body is not JSON."""

    def _handle_invalid_json_error(self, error, req, *args, **kwargs):
        abort(400, exc=error, messages={"json": ["请求内容不是有效的 JSON"]})


class Blueprint(SmorestBlueprint):
    """A flask-smorest blueprint mounted under /api/v1 with bearer auth documented."""

    ARGUMENTS_PARSER = _Parser()

    def __init__(self, name: str, import_name: str, url_prefix: str = "", description: str = ""):
        super().__init__(name, import_name, url_prefix=API_PREFIX + url_prefix, description=description)


def access(rule: str) -> Callable:
    """Declare who may call a view: ``PUBLIC``, ``LOGIN``, ``TOKEN`` or a capability name.

    A capability is checked again against the object's grid inside the view or
    service (``require(user, capability, grid)``); here we only authenticate and,
    for a capability, refuse people who hold it nowhere at all.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if rule == TOKEN:
                from backend.auth.services import token_caller

                g.caller = token_caller()
            elif rule != PUBLIC:
                from backend.auth.services import authenticate_request, require_somewhere

                g.user = authenticate_request()
                if rule != LOGIN:
                    require_somewhere(g.user, rule)
            return view(*args, **kwargs)

        wrapper.access_rule = rule
        if rule != PUBLIC:
            # Document the bearer requirement in OpenAPI.
            wrapper._apidoc = getattr(view, "_apidoc", {})
            wrapper._apidoc.setdefault("manual_doc", {}).setdefault("security", [{"bearerAuth": []}])
        return wrapper

    return decorator


class PageArgs(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=10_000))
    page_size = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=100))


_page_schemas: dict[str, type[ma.Schema]] = {}


def page_of(item_schema: type[ma.Schema]) -> type[ma.Schema]:
    """The contract's list envelope ``{items, total, page, page_size}`` for an item schema."""
    name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
    if name not in _page_schemas:
        _page_schemas[name] = type(
            name,
            (ma.Schema,),
            {
                "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
                "total": ma.fields.Integer(required=True),
                "page": ma.fields.Integer(),
                "page_size": ma.fields.Integer(),
            },
        )
    return _page_schemas[name]


def paginate(query, args: dict, session) -> dict:
    """Run a select for one page and its total; two statements whatever the page size."""
    from sqlalchemy import func, select

    page, size = args.get("page", 1), args.get("page_size", 20)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = session.scalars(query.limit(size).offset((page - 1) * size)).all()
    return {"items": items, "total": total, "page": page, "page_size": size}


class ErrorSchema(ma.Schema):
    code = ma.fields.String(required=True)
    message = ma.fields.String(required=True)
    details = ma.fields.Dict()


Api.ERROR_SCHEMA = ErrorSchema  # the document describes the envelope we really send
