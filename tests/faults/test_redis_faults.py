"""Redis gone: rate limits fall back to memory and requests still succeed."""
from backend.app import create_app


def test_requests_succeed_with_redis_unreachable(database_url, wechat_standin):
    app = create_app("test", {
        "SQLALCHEMY_DATABASE_URI": database_url, "WECHAT_API_BASE": wechat_standin.url, "RATELIMIT_ENABLED": True,
        "REDIS_URL": "redis://127.0.0.1:1/0", "RATE_LIMITS": {"auth.wechat_login": {"ip": "2 per minute"}},
    })
    client = app.test_client()
    statuses = [client.post("/api/v1/auth/wechat-login", json={"code": f"as:o_noredis_{i}"}).status_code for i in range(3)]
    assert statuses == [200, 200, 429]  # the limit still holds, counted in memory
