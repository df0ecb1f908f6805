"""Configuration: defaults per environment, overridden by environment variables.

``APP_ENV`` picks the class (development, test, production). Every setting named
in the API contract can be set from the environment with the same name.
"""
from __future__ import annotations

import os

DEFAULT_SECRET = "dev-secret-change-me"


class BaseConfig:
    APP_ENV = "development"
    SECRET_KEY = DEFAULT_SECRET
    SQLALCHEMY_DATABASE_URI = "sqlite:///wanggetong.db"  # relative to the Flask instance folder
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    ACCESS_TOKEN_TTL = 2 * 3600
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024  # a 10 MB photo plus multipart overhead
    UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    TIMEZONE = "Asia/Shanghai"

    WECHAT_APP_ID = "wx_dev_appid"
    WECHAT_APP_SECRET = "dev_secret"
    WECHAT_API_BASE = "https://api.weixin.qq.com"
    WECHAT_TIMEOUT = 5.0
    WECHAT_PUSH_TOKEN = "dev_push_token"
    REDIS_URL = ""

    #: Where WeChat can reach this service (https://api.example.gov.cn): the photo links the
    #: periodic work hands to WeChat's image check are built on it ("" = only within requests).
    PUBLIC_BASE_URL = ""

    #: Photos of reports closed (or rejected) longer ago than this are deleted from storage (0 = keep).
    PHOTO_RETENTION_DAYS = 365

    #: Check-in codes on the leader's screen: a new one every STEP seconds, the previous
    #: one still accepted for SKEW seconds (a scan in flight); doors open EARLY minutes before the start.
    PARTY_CHECKIN_STEP = 30
    PARTY_CHECKIN_SKEW = 5
    PARTY_CHECKIN_EARLY_MINUTES = 30

    STORAGE_BACKEND = "local"
    UPLOAD_DIR = "instance/uploads"

    #: endpoint → {"ip" | "user": "N per minute"}; see backend/core/limits.py.
    #: Per IP only where there is no person yet (login), and generously: a 主题党日's
    #: members share the venue's one address. Everything else is counted per person.
    RATE_LIMITS = {
        "auth.wechat_login": {"ip": "300 per minute"},
        "uploads.upload_photo": {"user": "30 per minute"},
        "reports.create_report": {"user": "10 per minute"},
        "party.check_in": {"user": "20 per minute"},
        "tasks.claim_task": {"user": "30 per minute"},
        # Following shows a report to its follower: bound how many one person can open up (README).
        "reports.follow_report": {"user": "10 per minute;60 per day"},
    }
    RATELIMIT_ENABLED = True
    #: Proxies in front of the app whose X-Forwarded-For to trust (0 = none).
    TRUSTED_PROXY_HOPS = 0
    #: Origins allowed to call the API from a browser (the street console); closed by default.
    CORS_ORIGINS: tuple = ()

    API_TITLE = "网格通 API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    OPENAPI_SWAGGER_UI_URL = "https://cdn.jsdelivr.net/npm/swagger-ui-dist/"
    API_SPEC_OPTIONS = {
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}
        },
        "info": {"description": "网格化党建的后端接口。错误统一为 {code, message, details}。"},
    }


class DevelopmentConfig(BaseConfig):
    pass


class TestConfig(BaseConfig):
    APP_ENV = "test"
    TESTING = True
    SQLALCHEMY_DATABASE_URI = "sqlite:///test.db"
    RATELIMIT_ENABLED = False  # the limits' own tests turn them on


class ProductionConfig(BaseConfig):
    APP_ENV = "production"
    WECHAT_APP_ID = ""
    WECHAT_APP_SECRET = ""


CONFIGS = {"development": DevelopmentConfig, "test": TestConfig, "production": ProductionConfig}

# Settings that may come from the environment, with the type to read them as.
ENV_SETTINGS = {
    "SECRET_KEY": str,
    "DATABASE_URL": str,
    "ACCESS_TOKEN_TTL": int,
    "WECHAT_APP_ID": str,
    "WECHAT_APP_SECRET": str,
    "WECHAT_API_BASE": str,
    "WECHAT_TIMEOUT": float,
    "WECHAT_PUSH_TOKEN": str,
    "REDIS_URL": str,
    "TRUSTED_PROXY_HOPS": int,
    "REPORT_SUBSCRIBE_TEMPLATE": str,
    "REPORT_AUTOCLOSE_DAYS": int,
    "CORS_ORIGINS": lambda value: tuple(o.strip() for o in value.split(",") if o.strip()),
    "PHOTO_RETENTION_DAYS": int,
    "PUBLIC_BASE_URL": str,
    "PARTY_CHECKIN_STEP": int,
    "PARTY_CHECKIN_SKEW": int,
    "PARTY_CHECKIN_EARLY_MINUTES": int,
    "STORAGE_BACKEND": str,
    "UPLOAD_DIR": str,
    "S3_BUCKET": str,
    "S3_ENDPOINT_URL": str,
    "S3_REGION": str,
    "S3_ACCESS_KEY": str,
    "S3_SECRET_KEY": str,
    "S3_ADDRESSING_STYLE": str,
    # The bench's floor endpoints and statement counting (backend/benchfloors); never in production use.
    "BENCH_MODE": lambda value: value.strip().lower() in ("1", "true"),
}


def load_config(env_name: str | None = None, overrides: dict | None = None) -> dict:
    env_name = env_name or os.environ.get("APP_ENV", "development")
    base = CONFIGS[env_name]
    config = {key: getattr(base, key) for key in dir(base) if key.isupper()}
    for key, cast in ENV_SETTINGS.items():
        if key in os.environ:
            config[key] = cast(os.environ[key])
    if "DATABASE_URL" in config:
        config["SQLALCHEMY_DATABASE_URI"] = config.pop("DATABASE_URL")
    config.update(overrides or {})
    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # Short statements gain nothing from JIT, and a stale estimate can make one compile for 50 ms.
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {**config["SQLALCHEMY_ENGINE_OPTIONS"],
                                               "connect_args": {"options": "-c jit=off"}}
    check_production_safety(config)
    return config


class UnsafeConfiguration(RuntimeError):
    pass


def check_production_safety(config: dict) -> None:
    """Refuse to start in production with a development secret or no WeChat credentials."""
    if config["APP_ENV"] != "production":
        return
    problems = []
    if config["SECRET_KEY"] in ("", DEFAULT_SECRET) or len(config["SECRET_KEY"]) < 32:
        problems.append("SECRET_KEY must be set to a random value of at least 32 characters")
    if not config["WECHAT_APP_ID"] or not config["WECHAT_APP_SECRET"]:
        problems.append("WECHAT_APP_ID and WECHAT_APP_SECRET must be set")
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        problems.append("DATABASE_URL must point at PostgreSQL in production")
    if problems:
        raise UnsafeConfiguration("; ".join(problems))
