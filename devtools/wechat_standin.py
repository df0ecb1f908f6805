"""A local stand-in for WeChat's server API, for development and tests.

It listens on 127.0.0.1 and answers WeChat's paths, query parameters and JSON
(errors included), so our client in ``backend.core.wechat`` is exercised through
wechatpy over real HTTP without reaching Tencent. Tests steer it with fault
injection (``inject`` or ``POST /__standin/faults`` from another process) and
read what it received (``requests()`` or ``GET /__standin/requests``).

    python -m devtools.wechat_standin --port 8701 [--push-url URL --push-token TOKEN]

Login codes: ``as:<openid>`` logs in as that openid and, unlike a real code, may
be used again, so the demo people can log in from curl or DevTools as often as
they like; any other code maps to ``"o" + sha1(code)[:27]`` and works once.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import secrets
import sys
import threading
import time
import urllib.request
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

import segno

ERRMSGS = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40003: "invalid openid",
    40013: "invalid appid",
    40029: "invalid code",
    40037: "invalid template_id",
    40066: "invalid url",
    40125: "invalid appsecret",
    40163: "code been used",
    40169: "invalid length for scene, or the data is not json string",
    41001: "access_token missing",
    41008: "missing code",
    42001: "access_token expired",
    43101: "user refuse to accept the msg",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit  mustslower  retry next minute",
    47001: "data format error",
    47003: "argument invalid!",
}
RISKY_WORDS = {"赌博": 20006, "违禁词": 21000, "色情": 20002}  # word -> WeChat's label for it
REVIEW_WORD = "待审"
SCENES = (1, 2, 3, 4)


class WeChatError(Exception):
    def __init__(self, errcode: int):
        super().__init__(errcode)
        self.errcode = errcode


@dataclass
class Push:
    """One ``wxa_media_check`` verdict on its way to the push URL."""

    event: dict
    state: str = "pending"  # pending -> sending -> sent
    status: int | None = None  # the receiver's HTTP status, None if unreachable
    timer: threading.Timer | None = field(default=None, repr=False)


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


def push_signature(token: str, timestamp: str, nonce: str) -> str:
    """WeChat's push signature: sha1 of the sorted token, timestamp and nonce joined."""
    return _sha1("".join(sorted([token, timestamp, nonce])))


def _trace_id() -> str:
    return "-".join(secrets.token_hex(4) for _ in range(3))


def _verdict(text: str) -> tuple[str, int]:
    for word, label in RISKY_WORDS.items():
        if word in text:
            return "risky", label
    return ("review", 21000) if REVIEW_WORD in text else ("pass", 100)


def _json_body(body) -> dict:
    if not isinstance(body, dict):
        raise WeChatError(47001)
    return body


def _json_answer(data, status=200) -> tuple[int, bytes, str]:
    return status, json.dumps(data, ensure_ascii=False).encode(), "application/json; encoding=utf-8"


def _parse_json(raw: bytes):
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


class StandIn:
    def __init__(self, port=0, app_id="wx_dev_appid", app_secret="dev_secret", push_url=None,
                 push_token="dev_push_token", code_quota_per_minute=100, push_delay=0.2):
        self.app_id, self.app_secret, self.push_token = app_id, app_secret, push_token
        self._defaults = {"push_url": push_url, "push_delay": push_delay,
                          "code_quota_per_minute": code_quota_per_minute}
        self._cond = threading.Condition()  # guards all state below; wait_pushes waits on it
        self._tokens: set[str] = set()  # survive reset() so long-lived clients keep working
        self._msgid = 0
        self._pushes: list[Push] = []
        self.reset()
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.standin = self
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    # --- life cycle and test controls ---------------------------------------------------
    def start(self) -> StandIn:
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                         daemon=True, name="wechat-standin").start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self.reset()

    def reset(self) -> None:
        """Forget faults, the request log, pushes, used codes and quota; restore the config."""
        with self._cond:
            for push in self._pushes:
                push.state = "cancelled"  # a timer already firing must not deliver it
                if push.timer:
                    push.timer.cancel()
            self._faults: list[dict] = []
            self._log: list[dict] = []
            self._pushes = []
            self._used_codes: set[str] = set()
            self._code_calls: deque[float] = deque()
            self.configure(**self._defaults)

    def configure(self, **settings) -> None:
        """Change push_url, push_delay (None: hold pushes until flush_pushes) or code_quota_per_minute."""
        unknown = settings.keys() - self._defaults.keys()
        if unknown:
            raise TypeError(f"unknown settings: {sorted(unknown)}")
        with self._cond:
            self.__dict__.update(settings)

    def inject(self, path="*", errcode=None, delay=None, drop=False, times=None) -> None:
        """Make requests to ``path`` ("*" for any) wait ``delay`` seconds, then answer the
        WeChat error ``errcode`` or close the connection (``drop``); only the next
        ``times`` requests if given."""
        with self._cond:
            self._faults.append({"path": path, "errcode": errcode, "delay": delay, "drop": drop, "times": times})

    def expire_access_tokens(self) -> None:
        with self._cond:
            self._tokens.clear()

    def requests(self, path=None) -> list[dict]:
        with self._cond:
            return [dict(entry) for entry in self._log if path in (None, entry["path"])]

    def pending_pushes(self) -> list[dict]:
        with self._cond:
            return [push.event for push in self._pushes if push.state == "pending"]

    def flush_pushes(self) -> list[Push]:
        """Deliver every pending push now, in this thread; returns them."""
        with self._cond:
            pending = [push for push in self._pushes if push.state == "pending"]
        for push in pending:
            if push.timer:
                push.timer.cancel()
            self._deliver(push)
        return pending

    def wait_pushes(self, count=1, timeout=5.0) -> list[Push]:
        """Block until ``count`` pushes were delivered (whatever the receiver answered)."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._sent()) >= count, timeout):
                raise TimeoutError(f"{len(self._sent())} of {count} pushes delivered")
            return self._sent()

    def _sent(self) -> list[Push]:
        return [push for push in self._pushes if push.state == "sent"]

    # --- request dispatch -----------------------------------------------------------------
    def handle(self, method: str, path: str, query: dict, raw: bytes) -> tuple[int, bytes | None, str]:
        """Answer one request: (HTTP status, body or None to drop the connection, content type)."""
        if path.startswith("/__standin/"):
            return self._control(method, path, query, _parse_json(raw))
        body = _parse_json(raw)
        with self._cond:
            self._log.append({"method": method, "path": path, "query": query, "json": body})
        fault = self._take_fault(path)
        if fault.get("delay"):
            time.sleep(fault["delay"])
        if fault.get("drop"):
            return 0, None, ""
        route = ROUTES.get((method, path))
        try:
            if fault.get("errcode") is not None:
                raise WeChatError(fault["errcode"])
            if route is None:
                raise WeChatError(40066)
            result = route(self, query, body)
        except WeChatError as exc:
            rid = secrets.token_hex(4)  # WeChat appends a request id to every errmsg
            result = {"errcode": exc.errcode, "errmsg": f"{ERRMSGS.get(exc.errcode, 'injected fault')} rid: {rid}"}
        if isinstance(result, bytes):
            return 200, result, "image/png"
        return _json_answer(result, 200 if route else 404)

    def _take_fault(self, path: str) -> dict:
        with self._cond:
            for fault in self._faults:
                if fault["path"] in ("*", path):
                    if fault["times"] is not None:
                        fault["times"] -= 1
                        if fault["times"] <= 0:
                            self._faults.remove(fault)
                    return fault
        return {}

    def _control(self, method, path, query, body):
        try:
            return self._control_action(method, path, query, body)
        except TypeError as exc:  # unknown or missing keys in the JSON body
            return _json_answer({"ok": False, "error": str(exc)}, 400)

    def _control_action(self, method, path, query, body):
        if (method, path) == ("POST", "/__standin/faults"):
            for fault in body if isinstance(body, list) else [body or {}]:
                self.inject(**fault)
        elif (method, path) == ("GET", "/__standin/requests"):
            return _json_answer({"requests": self.requests(query.get("path"))})
        elif (method, path) == ("POST", "/__standin/reset"):
            self.reset()
        elif (method, path) == ("POST", "/__standin/config"):
            self.configure(**(body or {}))
        elif (method, path) == ("GET", "/__standin/pushes"):
            return _json_answer({"pending": self.pending_pushes()})
        elif (method, path) == ("POST", "/__standin/pushes/flush"):
            self.flush_pushes()
        else:
            return _json_answer({"ok": False}, 404)
        return _json_answer({"ok": True})

    # --- WeChat endpoints -----------------------------------------------------------------
    def _check_app(self, query: dict) -> None:
        if query.get("appid") != self.app_id:
            raise WeChatError(40013)
        if query.get("secret") != self.app_secret:
            raise WeChatError(40125)

    def _check_token(self, query: dict) -> None:
        if not query.get("access_token"):
            raise WeChatError(41001)
        with self._cond:
            if query["access_token"] not in self._tokens:
                raise WeChatError(40001)

    def _token(self, query, _body):
        if query.get("grant_type") != "client_credential":
            raise WeChatError(40002)
        self._check_app(query)
        token = secrets.token_urlsafe(48)
        with self._cond:
            self._tokens.add(token)
        return {"access_token": token, "expires_in": 7200}

    def _jscode2session(self, query, _body):
        self._check_app(query)
        if query.get("grant_type") != "authorization_code":
            raise WeChatError(40002)
        code = query.get("js_code", "")
        if not code:
            raise WeChatError(41008)
        openid = code[3:].split(":")[0] if code.startswith("as:") else "o" + _sha1(code)[:27]
        if code.startswith("invalid") or not openid:
            raise WeChatError(40029)
        with self._cond:
            if code in self._used_codes and not code.startswith("as:"):
                raise WeChatError(40163)
            self._used_codes.add(code)
        session_key = base64.b64encode(secrets.token_bytes(16)).decode()
        return {"openid": openid, "session_key": session_key, "unionid": "u" + _sha1("union:" + openid)[:27]}

    def _phone_number(self, query, body):
        self._check_token(query)
        code = str(_json_body(body).get("code") or "")
        if not code or code.startswith("invalid"):
            raise WeChatError(40029)
        number = code[6:] if code.startswith("phone:") else "13" + str(int(_sha1(code), 16) % 10**9).zfill(9)
        watermark = {"timestamp": int(time.time()), "appid": self.app_id}
        info = {"phoneNumber": number, "purePhoneNumber": number, "countryCode": "86", "watermark": watermark}
        return {"errcode": 0, "errmsg": "ok", "phone_info": info}

    def _check_v2(self, query, body) -> dict:
        """The checks msg_sec_check and media_check_async v2 share: token, openid, scene."""
        self._check_token(query)
        body = _json_body(body)
        if not body.get("openid"):
            raise WeChatError(40003)
        if body.get("version") != 2 or body.get("scene") not in SCENES:
            raise WeChatError(47001)
        return body

    def _msg_sec_check(self, query, body):
        body = self._check_v2(query, body)
        if not isinstance(body.get("content"), str):
            raise WeChatError(47001)
        suggest, label = _verdict(body["content"])
        detail = [{"strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label, "prob": 90}]
        return {"errcode": 0, "errmsg": "ok", "result": {"suggest": suggest, "label": label},
                "detail": detail, "trace_id": _trace_id()}

    def _media_check_async(self, query, body):
        body = self._check_v2(query, body)
        if body.get("media_type") not in (1, 2) or not body.get("media_url"):
            raise WeChatError(47001)
        trace_id = _trace_id()
        suggest, label = ("risky", 20002) if "risky" in body["media_url"] else ("pass", 100)
        self._queue_push({
            "ToUserName": "gh_standin0000", "FromUserName": body["openid"], "CreateTime": int(time.time()),
            "MsgType": "event", "Event": "wxa_media_check", "appid": self.app_id, "trace_id": trace_id,
            "version": 2, "errcode": 0, "errmsg": "ok", "result": {"suggest": suggest, "label": label},
            "detail": [{"strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label, "prob": 90}],
        })
        return {"errcode": 0, "errmsg": "ok", "trace_id": trace_id}

    def _subscribe_send(self, query, body):
        self._check_token(query)
        body = _json_body(body)
        if not body.get("touser"):
            raise WeChatError(40003)
        if not body.get("template_id"):
            raise WeChatError(40037)
        if not isinstance(body.get("data"), dict):
            raise WeChatError(47003)
        if "refuse" in body["touser"]:
            raise WeChatError(43101)
        with self._cond:
            self._msgid += 1
            return {"errcode": 0, "errmsg": "ok", "msgid": self._msgid}

    def _wxacode_unlimit(self, query, body):
        self._check_token(query)
        body = _json_body(body)
        scene = body.get("scene")
        if not isinstance(scene, str) or not 0 < len(scene) <= 32:
            raise WeChatError(40169)
        with self._cond:  # a sliding one-minute window, like WeChat's per-minute quota
            now = time.monotonic()
            while self._code_calls and now - self._code_calls[0] > 60:
                self._code_calls.popleft()
            if len(self._code_calls) >= self.code_quota_per_minute:
                raise WeChatError(45009)
            self._code_calls.append(now)
        qr = segno.make_qr(scene)
        width = min(max(body["width"] if isinstance(body.get("width"), int) else 430, 280), 1280)
        out = io.BytesIO()
        qr.save(out, kind="png", scale=max(1, width // qr.symbol_size()[0]), border=4)
        return out.getvalue()

    # --- pushes -----------------------------------------------------------------------------
    def _queue_push(self, event: dict) -> None:
        push = Push(event)
        with self._cond:
            self._pushes.append(push)
            if self.push_url and self.push_delay is not None:
                push.timer = threading.Timer(self.push_delay, self._deliver, [push])
                push.timer.daemon = True
                push.timer.start()

    def _deliver(self, push: Push) -> None:
        with self._cond:
            if push.state != "pending" or not self.push_url:
                return
            push.state, url = "sending", self.push_url
        timestamp, nonce = str(int(time.time())), str(secrets.randbelow(10**10))
        params = urlencode({"signature": push_signature(self.push_token, timestamp, nonce),
                            "timestamp": timestamp, "nonce": nonce})
        request = urllib.request.Request(f"{url}{'&' if '?' in url else '?'}{params}", method="POST",
                                         data=json.dumps(push.event, ensure_ascii=False).encode(),
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                status = response.status
        except OSError as exc:  # HTTPError carries the receiver's status; others mean unreachable
            status = getattr(exc, "code", None)
        with self._cond:
            push.state, push.status = "sent", status
            self._cond.notify_all()


ROUTES = {
    ("GET", "/cgi-bin/token"): StandIn._token,
    ("GET", "/sns/jscode2session"): StandIn._jscode2session,
    ("POST", "/wxa/business/getuserphonenumber"): StandIn._phone_number,
    ("POST", "/wxa/msg_sec_check"): StandIn._msg_sec_check,
    ("POST", "/wxa/media_check_async"): StandIn._media_check_async,
    ("POST", "/cgi-bin/message/subscribe/send"): StandIn._subscribe_send,
    ("POST", "/wxa/getwxacodeunlimit"): StandIn._wxacode_unlimit,
}


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that timed out and hung up before a delayed answer is expected here.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.0: one request per connection, so a dropped connection never leaves a
    # stale keep-alive socket in the client's pool to confuse the next test.
    server_version = "WeChatStandIn/1.0"

    def do_GET(self):
        self._answer("GET")

    def do_POST(self):
        self._answer("POST")

    def _answer(self, method: str) -> None:
        url = urlsplit(self.path)
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        status, body, content_type = self.server.standin.handle(method, url.path, query, raw)
        if body is None:
            return  # drop: the server closes the socket without a word
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass  # the request log lives in memory (GET /__standin/requests), not on stderr


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Local stand-in for WeChat's server API")
    parser.add_argument("--port", type=int, default=8701)
    parser.add_argument("--app-id", default="wx_dev_appid")
    parser.add_argument("--app-secret", default="dev_secret")
    parser.add_argument("--push-url", help="where media-check verdicts are pushed")
    parser.add_argument("--push-token", default="dev_push_token")
    args = parser.parse_args(argv)
    standin = StandIn(args.port, args.app_id, args.app_secret, args.push_url, args.push_token).start()
    print(standin.url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        standin.stop()


if __name__ == "__main__":
    main()
