"""Report categories and their deadlines, from ``REPORT_CATEGORIES`` or the defaults below.

A street sets its own list in config: ``[{"code", "name", "accept_hours", "resolve_hours"}, …]``.
"""
from __future__ import annotations

from flask import current_app

from backend.core.errors import DomainError

DEFAULT_CATEGORIES = (
    {"code": "sanitation", "name": "环境卫生", "accept_hours": 24, "resolve_hours": 72},
    {"code": "illegal_building", "name": "违章搭建", "accept_hours": 24, "resolve_hours": 168},
    {"code": "parking", "name": "占道停车", "accept_hours": 4, "resolve_hours": 24},
    {"code": "facility", "name": "设施损坏", "accept_hours": 24, "resolve_hours": 72},
    {"code": "noise", "name": "噪音油烟", "accept_hours": 24, "resolve_hours": 72},
    {"code": "safety", "name": "安全隐患", "accept_hours": 2, "resolve_hours": 24},
    {"code": "other", "name": "其他", "accept_hours": 24, "resolve_hours": 72},
)
#: For reports whose category was later removed from the configuration.
FALLBACK = {"code": "", "name": "其他", "accept_hours": 24, "resolve_hours": 72}


def categories() -> list[dict]:
    return list(current_app.config.get("REPORT_CATEGORIES") or DEFAULT_CATEGORIES)


def get_category(code: str) -> dict:
    """The configured category, or a 422 listing the valid codes."""
    for category in categories():
        if category["code"] == code:
            return category
    raise DomainError("unknown_category", "请选择有效的问题类型", 422,
                      {"category": code, "choices": [c["code"] for c in categories()]})


def category_of(code: str) -> dict:
    return next((c for c in categories() if c["code"] == code), {**FALLBACK, "code": code})
