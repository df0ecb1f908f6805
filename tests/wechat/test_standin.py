"""The stand-in itself, spoken to over HTTP as another process would."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import requests

pytest_plugins = ["tests.wechat_fixtures"]

ROOT = Path(__file__).resolve().parents[2]
CREDENTIALS = {"grant_type": "client_credential", "appid": "wx_dev_appid", "secret": "dev_secret"}


def access_token(standin) -> str:
    return requests.get(standin.url + "/cgi-bin/token", params=CREDENTIALS, timeout=5).json()["access_token"]


@pytest.mark.parametrize("field, value, errcode", [("appid", "wx_other", 40013), ("secret", "wrong", 40125),
                                                   ("grant_type", "password", 40002)])
def test_token_errors(standin, field, value, errcode):
    answer = requests.get(standin.url + "/cgi-bin/token", params={**CREDENTIALS, field: value}, timeout=5).json()
    assert answer["errcode"] == errcode and answer["errmsg"]


def test_session_answer_carries_a_session_key(standin):
    params = {"appid": "wx_dev_appid", "secret": "dev_secret", "js_code": "as:o_x", "grant_type": "authorization_code"}
    answer = requests.get(standin.url + "/sns/jscode2session", params=params, timeout=5).json()
    assert answer["openid"] == "o_x" and answer["session_key"]


def test_scene_longer_than_32_characters_is_40169(standin):
    answer = requests.post(standin.url + "/wxa/getwxacodeunlimit", params={"access_token": access_token(standin)},
                           json={"scene": "x" * 33}, timeout=5).json()
    assert answer["errcode"] == 40169


@pytest.mark.parametrize("body, errcode", [({"version": 2, "scene": 1, "content": "x"}, 40003),
                                           ({"version": 2, "openid": "o1", "content": "x"}, 47001)])
def test_msg_sec_check_needs_openid_and_scene(standin, body, errcode):
    answer = requests.post(standin.url + "/wxa/msg_sec_check", params={"access_token": access_token(standin)},
                           json=body, timeout=5).json()
    assert answer["errcode"] == errcode


def test_bad_access_token_is_40001(standin):
    answer = requests.post(standin.url + "/wxa/business/getuserphonenumber", params={"access_token": "stale"},
                           json={"code": "c1"}, timeout=5).json()
    assert answer["errcode"] == 40001


def test_faults_request_log_and_reset_over_http(standin):
    fault = {"path": "/cgi-bin/token", "errcode": -1, "times": 1}
    assert requests.post(standin.url + "/__standin/faults", json=fault, timeout=5).json() == {"ok": True}
    first = requests.get(standin.url + "/cgi-bin/token", params=CREDENTIALS, timeout=5).json()
    second = requests.get(standin.url + "/cgi-bin/token", params=CREDENTIALS, timeout=5).json()
    assert first["errcode"] == -1 and "access_token" in second
    logged = requests.get(standin.url + "/__standin/requests", params={"path": "/cgi-bin/token"}, timeout=5).json()
    assert [entry["query"]["appid"] for entry in logged["requests"]] == ["wx_dev_appid"] * 2
    requests.post(standin.url + "/__standin/reset", timeout=5)
    assert standin.requests() == []


def test_malformed_fault_is_400(standin):
    answer = requests.post(standin.url + "/__standin/faults", json={"paht": "/cgi-bin/token"}, timeout=5)
    assert answer.status_code == 400


def test_unknown_path_is_404(standin):
    answer = requests.get(standin.url + "/cgi-bin/nothing", timeout=5)
    assert answer.status_code == 404 and answer.json()["errcode"] == 40066


def test_cli_prints_its_url_and_serves(tmp_path):
    process = subprocess.Popen([sys.executable, "-m", "devtools.wechat_standin", "--port", "0"],
                               cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        answer = requests.get(url + "/cgi-bin/token", params=CREDENTIALS, timeout=5).json()
        assert answer["expires_in"] == 7200
    finally:
        process.terminate()
        process.wait(timeout=5)
        process.stdout.close()


def test_demo_codes_may_be_reused_but_real_codes_work_once(standin):
    def session(code):
        params = {"appid": "wx_dev_appid", "secret": "dev_secret", "js_code": code, "grant_type": "authorization_code"}
        return requests.get(standin.url + "/sns/jscode2session", params=params, timeout=5).json()

    assert session("as:demo_admin")["openid"] == session("as:demo_admin")["openid"] == "demo_admin"
    assert "openid" in session("081abcRealCode")
    assert session("081abcRealCode")["errcode"] == 40163
