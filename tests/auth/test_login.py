import time

import time_machine

from backend.auth.models import User
from backend.core.db import db


def login(api, code):
    return api.post("/auth/wechat-login", json={"code": code})


def test_first_login_creates_the_person_and_returns_a_working_token(api):
    response = login(api, "as:o_first_person")
    assert response.status_code == 200
    body = response.get_json()
    assert body["expires_in"] == 7200 and body["access_token"]
    assert "session_key" not in response.get_data(as_text=True)
    assert "openid" not in body["user"]
    me = api.get("/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.get_json()["id"] == body["user"]["id"]


def test_second_login_finds_the_same_person(api):
    first = login(api, "as:o_same").get_json()["user"]["id"]
    second = login(api, "as:o_same").get_json()["user"]["id"]
    assert first == second
    assert db.session.query(User).filter_by(openid="o_same").count() == 1


def test_invalid_code_is_401_wechat_code_invalid(api):
    response = login(api, "invalid-code")
    assert response.status_code == 401
    assert response.get_json()["code"] == "wechat_code_invalid"
    assert response.get_json()["message"]


def test_reused_code_is_refused(api):
    assert login(api, "one-time-code").status_code == 200
    response = login(api, "one-time-code")
    assert response.status_code == 401 and response.get_json()["code"] == "wechat_code_invalid"


def test_wechat_system_error_is_503(api, standin):
    standin.inject("/sns/jscode2session", errcode=-1)
    response = login(api, "as:o_busy")
    assert response.status_code == 503
    assert response.get_json()["code"] == "wechat_unavailable"


def test_wechat_too_slow_is_503_within_the_timeout(api, app, standin):
    standin.inject("/sns/jscode2session", delay=10)
    started = time.monotonic()
    response = login(api, "as:o_slow")
    assert response.status_code == 503
    assert time.monotonic() - started < app.config["WECHAT_TIMEOUT"] + 1.5


def test_wechat_rate_limit_is_503_rate_limited(api, standin):
    standin.inject("/sns/jscode2session", errcode=45011)
    response = login(api, "as:o_limited")
    assert response.status_code == 503 and response.get_json()["code"] == "wechat_rate_limited"


def test_missing_or_empty_code_is_422_in_the_envelope(api):
    for body in ({}, {"code": ""}, {"code": 5}):
        response = api.post("/auth/wechat-login", json=body)
        assert response.status_code == 422
        payload = response.get_json()
        assert payload["code"] == "validation_error" and "code" in payload["details"]["fields"]["json"]


def test_token_expires_after_its_ttl(api, app):
    with time_machine.travel("2026-11-01 08:00:00+08:00", tick=False) as clock:
        token = login(api, "as:o_expiring").get_json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        clock.shift(app.config["ACCESS_TOKEN_TTL"] - 5)
        assert api.get("/me", headers=headers).status_code == 200
        clock.shift(10)
        response = api.get("/me", headers=headers)
    assert response.status_code == 401 and response.get_json()["code"] == "token_expired"


def test_tampered_or_missing_token_is_401(api):
    token = login(api, "as:o_tamper").get_json()["access_token"]
    assert api.get("/me").status_code == 401
    assert api.get("/me", headers={"Authorization": "Bearer " + token[:-2] + "xx"}).get_json()["code"] == "token_invalid"
    assert api.get("/me", headers={"Authorization": "Basic abc"}).status_code == 401


def test_logout_revokes_earlier_tokens(api):
    token = login(api, "as:o_logout").get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert api.post("/auth/logout", headers=headers).status_code == 204
    response = api.get("/me", headers=headers)
    assert response.status_code == 401 and response.get_json()["code"] == "token_revoked"
