"""Check-in codes, signed with SECRET_KEY so nobody can make one for an activity.

The rotating code on the leader's phone follows RFC 6238: an HMAC of (activity,
time step). A code is shown for one step and still accepted during the next one
(scanning and a weak network take seconds), plus a few seconds of clock skew
between servers; so a screenshot forwarded to a friend dies within a minute.

The printed poster carries a static code, ``a=<id>.<signature>``, short enough
for a mini-program code's 32-character scene. Being static it can be
photographed and forwarded, so services accept it only where the activity
fences check-ins by location.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import math
import re
from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from backend.core.errors import DomainError

SIGNATURE_LENGTH = 16  # base64url characters: 96 bits

_ROTATING = re.compile(r"^(\d{1,10})\.(\d{1,12})\.([A-Za-z0-9_-]{%d})$" % SIGNATURE_LENGTH)
_POSTER = re.compile(r"^a=(\d{1,10})\.([A-Za-z0-9_-]{%d})$" % SIGNATURE_LENGTH)


@dataclass(frozen=True)
class CheckinCode:
    activity_id: int
    via: str  # "code" or "poster"


@dataclass(frozen=True)
class RotatingCode:
    token: str
    #: Seconds until the screen should show the next code.
    expires_in: int
    #: Seconds this code is still accepted (one more step and the skew allowance).
    valid_for: int
    step_seconds: int


def _step() -> int:
    return current_app.config["PARTY_CHECKIN_STEP"]


def _skew() -> int:
    return current_app.config["PARTY_CHECKIN_SKEW"]


def _sign(message: str) -> str:
    key = hmac.new(current_app.config["SECRET_KEY"].encode(), b"party-checkin", hashlib.sha256).digest()
    digest = hmac.new(key, message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:SIGNATURE_LENGTH]


def rotating_code(activity_id: int, now: datetime) -> RotatingCode:
    step_seconds, moment = _step(), now.timestamp()
    step = int(moment // step_seconds)
    return RotatingCode(
        token=f"{activity_id}.{step}.{_sign(f'code:{activity_id}:{step}')}",
        expires_in=max(1, math.ceil((step + 1) * step_seconds - moment)),
        valid_for=int((step + 2) * step_seconds + _skew() - moment),
        step_seconds=step_seconds,
    )


def poster_scene(activity_id: int) -> str:
    return f"a={activity_id}.{_sign(f'poster:{activity_id}')}"


def _invalid() -> DomainError:
    return DomainError("checkin_code_invalid", "这不是有效的签到码，请扫描网格长出示的签到码", 400)


def read_code(token: str, now: datetime, expected_activity_id: int | None = None) -> CheckinCode:
    """The activity a scanned code is for, or the reason it is refused."""
    token = token.strip()
    if poster := _POSTER.match(token):
        activity_id = int(poster[1])
        if not hmac.compare_digest(poster[2], _sign(f"poster:{activity_id}")):
            raise _invalid()
        code = CheckinCode(activity_id, "poster")
    elif rotating := _ROTATING.match(token):
        activity_id, step = int(rotating[1]), int(rotating[2])
        if not hmac.compare_digest(rotating[3], _sign(f"code:{activity_id}:{step}")):
            raise _invalid()
        step_seconds, skew, moment = _step(), _skew(), now.timestamp()
        if moment >= (step + 2) * step_seconds + skew:
            raise DomainError("checkin_code_expired", "签到码已过期，请扫描网格长手机上最新的签到码", 400)
        if moment < step * step_seconds - skew:  # from the future: not a code we issued
            raise _invalid()
        code = CheckinCode(activity_id, "code")
    else:
        raise _invalid()
    if expected_activity_id is not None and code.activity_id != expected_activity_id:
        raise DomainError("checkin_wrong_activity", "这是另一场活动的签到码，请确认您参加的活动", 400)
    return code
