"""Domain errors and the one error envelope every response uses.

Services raise ``DomainError`` with a stable machine code and a Chinese message;
the handlers below turn it (and every HTTP or unexpected error) into
``{"code", "message", "details"}`` so clients only ever parse one shape.
"""
from __future__ import annotations

import logging

from flask import Flask, jsonify
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A refusal the user should read: stable ``code``, Chinese ``message``."""

    status = 400

    def __init__(self, code: str, message: str, status: int | None = None, details: dict | None = None):
        super().__init__(code)
        self.code = code
        self.message = message
        if status is not None:
            self.status = status
        self.details = details or {}


class NotFound(DomainError):
    status = 404

    def __init__(self, what: str = "资源", code: str = "not_found"):
        super().__init__(code, f"{what}不存在或无权查看")


class Forbidden(DomainError):
    status = 403

    def __init__(self, message: str = "没有权限执行此操作", code: str = "forbidden"):
        super().__init__(code, message)


class Conflict(DomainError):
    status = 409


class Unauthorized(DomainError):
    status = 401

    def __init__(self, code: str = "unauthorized", message: str = "请先登录"):
        super().__init__(code, message)


class UpstreamUnavailable(DomainError):
    status = 503

    def __init__(self, code: str = "upstream_unavailable", message: str = "微信服务暂时不可用，请稍后重试"):
        super().__init__(code, message)


# Chinese messages for errors raised by Flask/werkzeug itself.
HTTP_MESSAGES = {
    400: ("bad_request", "请求格式不正确"),
    401: ("unauthorized", "请先登录"),
    403: ("forbidden", "没有权限执行此操作"),
    404: ("not_found", "请求的资源不存在"),
    405: ("method_not_allowed", "不支持该请求方法"),
    409: ("conflict", "请求与当前状态冲突"),
    413: ("payload_too_large", "上传内容过大"),
    415: ("unsupported_media_type", "不支持的内容类型"),
    422: ("validation_error", "提交的内容有误，请检查后重试"),
    429: ("too_many_requests", "操作太频繁，请稍后再试"),
    500: ("internal_error", "服务器开小差了，请稍后重试"),
    503: ("service_unavailable", "服务暂时不可用，请稍后重试"),
}


def envelope(code: str, message: str, status: int, details: dict | None = None):
    response = jsonify({"code": code, "message": message, "details": details or {}})
    response.status_code = status
    return response


def http_error_response(exc: HTTPException):
    status = exc.code or 500
    code, message = HTTP_MESSAGES.get(status, ("http_error", "请求失败"))
    details = {}
    data = getattr(exc, "data", None) or {}
    if "messages" in data:  # marshmallow validation errors from flask-smorest
        details = {"fields": data["messages"]}
    response = envelope(code, message, status, details)
    for name, value in (getattr(exc, "get_headers", lambda: [])() or []):
        if name.lower() not in ("content-type", "content-length"):
            response.headers[name] = value
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        return envelope(exc.code, exc.message, exc.status, exc.details)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        return http_error_response(exc)

    @app.errorhandler(DataError)
    @app.errorhandler(OverflowError)
    def _out_of_range(exc):
        # A number or text the column cannot hold: bad input, not an outage.
        return envelope("invalid_value", "提交的数值超出允许范围", 422)

    @app.errorhandler(IntegrityError)
    def _constraint(exc: IntegrityError):
        # A racing request took the unique row first (statements that write at once, in the view).
        return envelope("conflict", "数据已被其他操作修改，请刷新后重试", 409)

    @app.errorhandler(DBAPIError)
    def _database(exc: DBAPIError):
        # A lost connection or a killed backend: the request fails cleanly and
        # the pool's pre-ping gives the next request a fresh connection.
        log.warning("database error: %s", type(exc.orig).__name__)
        return envelope("database_unavailable", "数据库暂时不可用，请稍后重试", 503)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error")
        return envelope(*HTTP_MESSAGES[500], 500)
