"""Our only way to WeChat's server API, through wechatpy.

Every call is bounded by ``WECHAT_TIMEOUT`` and every failure becomes a
``DomainError`` the API layer can answer with. Logs carry the API path and
WeChat's errcode only: never session_key, login or phone codes, access tokens,
the app secret or phone numbers (so exceptions are re-raised ``from None``:
requests' errors quote the URL, whose query holds the secret and the code).
"""
from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from functools import partial
from typing import Callable

import redis
import requests
from flask import Flask, current_app
from requests.adapters import HTTPAdapter
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session import SessionStorage
from wechatpy.session.memorystorage import MemoryStorage
from wechatpy.session.redisstorage import RedisStorage

from backend.core.errors import DomainError, Unauthorized, UpstreamUnavailable

log = logging.getLogger(__name__)

WECHAT_API_BASE = "https://api.weixin.qq.com"
WXA_BASE = WECHAT_API_BASE + "/"  # wechatpy's default base ends in /cgi-bin/; wxa paths need the root
STALE_TOKEN_ERRCODES = {40001, 40014, 42001}
LOGIN_CODE_ERRCODES = {40029, 40163, 40226, 41008}
PHONE_CODE_ERRCODES = {40029, 40163}
RATE_LIMIT_ERRCODES = {45009, 45011}
SUGGESTIONS = {"pass", "review", "risky"}

ErrorMap = dict[int, Callable[[], DomainError]]


class SubscribeRefused(DomainError):
    """The user has not accepted (or has used up) this subscription: final, don't retry."""

    def __init__(self):
        super().__init__("wechat_subscribe_refused", "用户未订阅或已拒收该消息", 409)


def _unavailable() -> DomainError:
    return UpstreamUnavailable("wechat_unavailable", "微信服务暂时不可用，请稍后重试")


def _rate_limited() -> DomainError:
    return UpstreamUnavailable("wechat_rate_limited", "微信接口调用太频繁，请稍后再试")


def _login_code_invalid() -> DomainError:
    return Unauthorized("wechat_code_invalid", "微信登录凭证无效或已过期，请重新登录")


def _phone_code_invalid() -> DomainError:
    return DomainError("wechat_phone_code_invalid", "手机号授权已失效，请重新授权", 400)


LOGIN_ERRORS: ErrorMap = {code: _login_code_invalid for code in LOGIN_CODE_ERRCODES}
PHONE_ERRORS: ErrorMap = {code: _phone_code_invalid for code in PHONE_CODE_ERRCODES}
SUBSCRIBE_ERRORS: ErrorMap = {43101: SubscribeRefused}


@dataclass(frozen=True)
class WeChatSession:
    """Who logged in. WeChat's session_key is dropped on arrival: we never need it."""

    openid: str
    unionid: str | None = None


class _WeChatAdapter(HTTPAdapter):
    """Transport for every request wechatpy makes.

    It bounds each request with our timeout (wechatpy's access-token fetch passes
    none at all) and, when ``api_base`` is not WeChat's (a local stand-in), sends
    the request there: wechatpy has no base-URL setting and hard-codes the token URL.
    """

    def __init__(self, api_base: str, timeout: float):
        super().__init__()
        api_base = api_base.rstrip("/")
        self._rewrite_to = api_base if api_base != WECHAT_API_BASE else None
        self._timeout = timeout

    def send(self, request, timeout=None, **kwargs):
        if self._rewrite_to:
            request.url = self._rewrite_to + request.url[len(WECHAT_API_BASE):]
            # requests chose proxies for WeChat's host; choose again for the new one.
            kwargs["proxies"] = requests.utils.get_environ_proxies(request.url)
        return super().send(request, timeout=timeout or self._timeout, **kwargs)


class _TokenStorage(SessionStorage):
    """Redis shared by all workers, falling back to this process's memory while Redis
    is unreachable: a missing shared cache costs an extra token fetch, not a failed request."""

    def __init__(self, shared: RedisStorage):
        self._shared, self._local = shared, MemoryStorage()

    def get(self, key, default=None):
        try:
            return self._shared.get(key, default)
        except redis.RedisError:
            return self._local.get(key, default)

    def set(self, key, value, ttl=None):
        self._local.set(key, value, ttl)
        try:
            self._shared.set(key, value, ttl)
        except redis.RedisError:
            log.warning("wechat token cache: Redis unreachable, using process memory")

    def delete(self, key):
        self._local.delete(key)
        try:
            self._shared.delete(key)
        except redis.RedisError:
            pass


class WeChat:
    def __init__(self, app_id, app_secret, api_base=WECHAT_API_BASE, timeout=5.0, redis_url=None, push_token=""):
        storage = MemoryStorage()
        if redis_url:  # one token for all workers, as each fetch makes WeChat retire the previous one
            connection = redis.Redis.from_url(redis_url, socket_timeout=timeout, socket_connect_timeout=timeout)
            storage = _TokenStorage(RedisStorage(connection))
        # auto_retry off: wechatpy retries a stale token without limit; we retry once (_call).
        self._client = WeChatClient(app_id, app_secret, session=storage, timeout=timeout, auto_retry=False)
        self._client._http.mount(WECHAT_API_BASE, _WeChatAdapter(api_base, timeout))
        self._push_token = push_token

    def code_to_session(self, code: str) -> WeChatSession:
        # The app secret authenticates jscode2session, not an access token. wechatpy fetches one
        # unless the call names its own, so name none (requests drops None-valued parameters):
        # login then never waits on the token endpoint or its IP allowlist.
        params = {"appid": self._client.appid, "secret": self._client.secret, "js_code": code,
                  "grant_type": "authorization_code", "access_token": None}
        fetch = partial(self._client.get, "sns/jscode2session", api_base_url=WXA_BASE, params=params)
        result = self._json("sns/jscode2session", fetch, LOGIN_ERRORS)
        if not result.get("openid"):
            raise self._unexpected("sns/jscode2session")
        return WeChatSession(openid=result["openid"], unionid=result.get("unionid"))

    def phone_number(self, code: str) -> str:
        result = self._post("wxa/business/getuserphonenumber", {"code": code}, PHONE_ERRORS)
        number = (result.get("phone_info") or {}).get("purePhoneNumber")
        if not number:
            raise self._unexpected("wxa/business/getuserphonenumber")
        return number

    def msg_sec_check(self, openid: str, content: str, scene: int = 1) -> str:
        data = {"version": 2, "openid": openid, "scene": scene, "content": content}
        suggest = (self._post("wxa/msg_sec_check", data).get("result") or {}).get("suggest")
        if suggest not in SUGGESTIONS:
            raise self._unexpected("wxa/msg_sec_check")
        return suggest

    def media_check_async(self, openid: str, media_url: str, scene: int = 1) -> str:
        data = {"version": 2, "openid": openid, "scene": scene, "media_url": media_url, "media_type": 2}
        trace_id = self._post("wxa/media_check_async", data).get("trace_id")
        if not trace_id:
            raise self._unexpected("wxa/media_check_async")
        return trace_id

    def send_subscribe_message(self, openid: str, template_id: str, data: dict, page: str | None = None) -> None:
        send = partial(self._client.wxa.send_subscribe_message, openid, template_id, data, page=page)
        self._json("cgi-bin/message/subscribe/send", send, SUBSCRIBE_ERRORS)

    def unlimited_code_png(self, scene: str, page: str | None = None, width: int = 430) -> bytes:
        api = "wxa/getwxacodeunlimit"
        fetch = partial(self._client.wxa.get_wxa_code_unlimited, scene, width=width, page=page)
        response = self._call(api, fetch, {})
        # wechatpy hands back the raw response when the body is not JSON, as an image is.
        if not isinstance(response, requests.Response) or not response.content.startswith(b"\x89PNG"):
            raise self._unexpected(api)
        return response.content

    def verify_push_signature(self, signature: str, timestamp: str, nonce: str) -> bool:
        """Check a push's query parameters against our push token, as WeChat signs them."""
        if not (self._push_token and signature and timestamp and nonce and signature.isascii()):
            return False
        expected = hashlib.sha1("".join(sorted([self._push_token, timestamp, nonce])).encode()).hexdigest()
        return hmac.compare_digest(expected, signature)

    def _post(self, api: str, data: dict, errors: ErrorMap | None = None) -> dict:
        """POST JSON to an endpoint wechatpy 1.8 has no method for (v2 checks, phone number)."""
        return self._json(api, partial(self._client.post, api, api_base_url=WXA_BASE, data=data), errors or {})

    def _json(self, api: str, call: Callable, errors: ErrorMap) -> dict:
        result = self._call(api, call, errors)
        if not isinstance(result, dict):  # wechatpy returns the raw response when it is not JSON
            raise self._unexpected(api)
        return result

    def _call(self, api: str, call: Callable, errors: ErrorMap):
        """Run one wechatpy call, fetching a new access token and retrying once if
        WeChat calls ours stale; turn every failure into a DomainError."""
        try:
            try:
                return call()
            except WeChatClientException as exc:
                if exc.errcode not in STALE_TOKEN_ERRCODES:
                    raise
                log.info("wechat %s: access token rejected (errcode %s), fetching a new one", api, exc.errcode)
                self._client.fetch_access_token()
                return call()
        except WeChatClientException as exc:
            raise self._error(api, exc.errcode, errors) from None
        except (requests.RequestException, redis.RedisError) as exc:
            # timeouts, refused or dropped connections, a non-JSON token answer, token storage down
            log.warning("wechat %s failed: %s", api, type(exc).__name__)
            raise _unavailable() from None

    @staticmethod
    def _error(api: str, errcode: int | None, errors: ErrorMap) -> DomainError:
        log.warning("wechat %s failed: errcode %s", api, errcode)
        if errcode in errors:
            return errors[errcode]()
        return _rate_limited() if errcode in RATE_LIMIT_ERRCODES else _unavailable()

    @staticmethod
    def _unexpected(api: str) -> DomainError:
        log.warning("wechat %s failed: unexpected answer", api)
        return _unavailable()


def init_app(app: Flask) -> None:
    config = app.config
    app.extensions["wechat"] = WeChat(
        config["WECHAT_APP_ID"],
        config["WECHAT_APP_SECRET"],
        api_base=config.get("WECHAT_API_BASE") or WECHAT_API_BASE,
        timeout=float(config.get("WECHAT_TIMEOUT") or 5.0),
        redis_url=config.get("REDIS_URL") or None,
        push_token=config.get("WECHAT_PUSH_TOKEN", ""),
    )


def get_wechat() -> WeChat:
    return current_app.extensions["wechat"]
