from datetime import datetime, timezone

import pytest
import time_machine

from backend.app import create_app


@pytest.fixture
def limited_app(database_url, wechat_standin):
    return create_app("test", {
        "SQLALCHEMY_DATABASE_URI": database_url, "WECHAT_API_BASE": wechat_standin.url, "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATE_LIMITS": {"auth.wechat_login": {"ip": "3 per minute"}, "auth.me": {"user": "2 per minute"}},
    })


def test_login_is_limited_per_ip_with_the_envelope_and_retry_after(limited_app):
    client = limited_app.test_client()
    statuses = [client.post("/api/v1/auth/wechat-login", json={"code": f"c{i}"}).status_code for i in range(3)]
    assert statuses == [200, 200, 200]
    refused = client.post("/api/v1/auth/wechat-login", json={"code": "c4"})
    assert refused.status_code == 429
    assert refused.get_json()["code"] == "too_many_requests" and refused.get_json()["message"] == "操作太频繁，请稍后再试"
    assert int(refused.headers["Retry-After"]) > 0
    other_ip = client.post("/api/v1/auth/wechat-login", json={"code": "c5"}, environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert other_ip.status_code == 200


def test_per_user_limit_follows_the_token(limited_app):
    client = limited_app.test_client()
    tokens = [client.post("/api/v1/auth/wechat-login", json={"code": f"as:o_lim_{i}"},
                          environ_base={"REMOTE_ADDR": f"10.0.0.{i}"}).get_json()["access_token"] for i in (1, 2)]
    first = {"Authorization": f"Bearer {tokens[0]}"}
    assert [client.get("/api/v1/me", headers=first).status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens[1]}"}).status_code == 200


def test_logging_in_again_does_not_reset_a_persons_limit(limited_app):
    client = limited_app.test_client()

    def fresh_token(ip):
        return client.post("/api/v1/auth/wechat-login", json={"code": "as:o_lim_again"},
                           environ_base={"REMOTE_ADDR": ip}).get_json()["access_token"]

    with time_machine.travel(datetime.now(timezone.utc), tick=False) as clock:
        first = fresh_token("10.0.1.1")
        assert [client.get("/api/v1/me", headers={"Authorization": f"Bearer {first}"}).status_code
                for _ in range(2)] == [200, 200]
        clock.shift(5)
        second = fresh_token("10.0.1.2")
        assert second != first
        assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {second}"}).status_code == 429


def test_a_limit_on_an_unknown_endpoint_is_a_startup_error(database_url):
    with pytest.raises(KeyError, match="no.such"):
        create_app("test", {"SQLALCHEMY_DATABASE_URI": database_url, "RATE_LIMITS": {"no.such": {"ip": "1 per minute"}}})


def test_security_headers_and_closed_cors(api):
    response = api.get("/healthz", headers={"Origin": "https://evil.example"})
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert "Access-Control-Allow-Origin" not in response.headers


def test_cors_opens_only_for_configured_origins(database_url):
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": database_url, "CORS_ORIGINS": ("https://console.example",)})
    client = app.test_client()
    allowed = client.get("/healthz", headers={"Origin": "https://console.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://console.example"
    assert "Access-Control-Allow-Origin" not in client.get("/healthz", headers={"Origin": "https://x.example"}).headers


def test_one_apps_limits_do_not_turn_on_anothers(limited_app, api):
    limited = limited_app.test_client()
    for _ in range(4):
        limited.post("/api/v1/auth/wechat-login", json={"code": "as:o_one"})
    statuses = {api.post("/auth/wechat-login", json={"code": "as:o_other"}).status_code for _ in range(5)}
    assert statuses == {200}  # the suite's app has limits off
