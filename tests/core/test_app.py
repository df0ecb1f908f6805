import pytest

from sqlalchemy import text

from backend.app import create_app
from backend.core.db import db
from config import UnsafeConfiguration, load_config


def test_unknown_path_and_wrong_method_use_the_envelope(api):
    response = api.get("/no-such-thing")
    assert response.status_code == 404
    assert response.get_json() == {"code": "not_found", "message": "请求的资源不存在", "details": {}}
    response = api.request("DELETE", "/auth/wechat-login")
    assert response.status_code == 405 and response.get_json()["code"] == "method_not_allowed"


def test_too_large_body_is_413_in_the_envelope(api, app):
    response = api.post("/auth/wechat-login", data=b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1),
                        content_type="application/json")
    assert response.status_code == 413 and response.get_json()["code"] == "payload_too_large"


def test_malformed_json_is_a_client_error_not_a_500(api):
    response = api.post("/auth/wechat-login", data=b"{not json", content_type="application/json")
    assert response.status_code in (400, 422)
    assert set(response.get_json()) == {"code", "message", "details"}


def test_openapi_document_and_docs_page(api):
    spec = api.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/auth/wechat-login" in spec["paths"] and "/api/v1/grids/{grid_id}" in spec["paths"]
    assert spec["paths"]["/api/v1/me"]["get"]["security"] == [{"bearerAuth": []}]
    assert api.get("/api/docs").status_code == 200


def test_health_endpoints(api):
    assert api.get("/healthz").get_json() == {"status": "ok"}
    assert api.get("/readyz").get_json()["database"] == "ok"


def test_request_id_is_echoed_or_made(api):
    assert api.get("/healthz", headers={"X-Request-Id": "abc123"}).headers["X-Request-Id"] == "abc123"
    assert len(api.get("/healthz").headers["X-Request-Id"]) == 32


def test_readiness_reports_a_dead_database():
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.get_json()["code"] == "database_unavailable"


def test_production_refuses_default_secrets(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(UnsafeConfiguration, match="SECRET_KEY"):
        load_config()
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("WECHAT_APP_ID", "wx123")
    monkeypatch.setenv("WECHAT_APP_SECRET", "secret")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@db/x")
    assert load_config()["SECRET_KEY"] == "s" * 40


def test_every_api_view_declares_who_may_call_it(app):
    undeclared = [
        rule.rule for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1") and not hasattr(app.view_functions[rule.endpoint], "access_rule")
    ]
    assert undeclared == []


def test_ids_beyond_the_column_range_are_404_not_500(login_as, make_user):
    client = login_as(make_user())
    assert client.get("/grids/15220917514692794595147776").status_code == 404
    assert client.get("/grids/0").status_code == 404
    spec = client.get("/api/openapi.json").get_json()
    (param,) = spec["paths"]["/api/v1/grids/{grid_id}"]["parameters"]
    assert param["schema"]["type"] == "integer" and param["schema"]["maximum"] == 2**31 - 1


def test_query_numbers_beyond_the_column_range_are_422(login_as, make_user):
    response = login_as(make_user()).get("/grids?parent_id=15220917514692794595147776")
    assert response.status_code == 422 and set(response.get_json()) == {"code", "message", "details"}


def test_postgresql_connections_run_without_jit(app):
    """Short statements gain nothing from JIT compilation, and a stale estimate can trigger it."""
    assert "connect_args" not in load_config("test", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})["SQLALCHEMY_ENGINE_OPTIONS"]
    options = load_config("test", {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://db/x"})["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["connect_args"] == {"options": "-c jit=off"} and options["pool_pre_ping"] is True
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            assert db.session.execute(text("SHOW jit")).scalar() == "off"


def test_a_constraint_broken_inside_a_view_is_a_conflict_not_an_outage(database_url):
    """Statements that write in the view (not at the commit) can lose a race to a unique key."""
    from sqlalchemy.exc import IntegrityError

    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": database_url})

    @app.route("/raced")
    def raced():
        raise IntegrityError("INSERT …", {}, Exception("duplicate key value violates unique constraint"))

    answer = app.test_client().get("/raced")
    assert answer.status_code == 409
    assert answer.get_json()["code"] == "conflict" and "刷新" in answer.get_json()["message"]
