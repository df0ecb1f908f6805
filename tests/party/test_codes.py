"""The rotating check-in code: RFC 6238-style steps of 30 s, the current and the previous accepted."""
from datetime import datetime, timedelta, timezone

import pytest
import time_machine

from backend.core.db import utcnow
from backend.core.errors import DomainError
from backend.party.codes import poster_scene, read_code, rotating_code
from config import load_config

# A step boundary: 30 s steps start on multiples of 30 s since the epoch.
T0 = datetime(2026, 7, 1, 2, 0, 0, tzinfo=timezone.utc)


def refused(token, at, **kw) -> str:
    with pytest.raises(DomainError) as refusal:
        read_code(token, at, **kw)
    return refusal.value.code


def test_valid_now_and_through_the_next_step():
    code = rotating_code(7, T0 + timedelta(seconds=10))
    assert code.expires_in == 20 and code.valid_for == 55 and code.step_seconds == 30
    assert read_code(code.token, T0 + timedelta(seconds=10)).activity_id == 7
    # The screen shows the next code after 20 s; this one is still accepted in the following step.
    assert read_code(code.token, T0 + timedelta(seconds=59)).via == "code"


def test_refused_after_two_steps_plus_skew():
    token = rotating_code(7, T0).token
    assert read_code(token, T0 + timedelta(seconds=64)).activity_id == 7  # 5 s of clock skew
    assert refused(token, T0 + timedelta(seconds=65)) == "checkin_code_expired"
    assert refused(token, T0 + timedelta(hours=1)) == "checkin_code_expired"


def test_a_code_from_the_future_beyond_the_skew_is_refused():
    token = rotating_code(7, T0 + timedelta(seconds=30)).token
    assert read_code(token, T0 + timedelta(seconds=26)).activity_id == 7
    assert refused(token, T0 + timedelta(seconds=20)) == "checkin_code_invalid"


def test_another_activitys_code_and_tampering_are_refused():
    token = rotating_code(7, T0).token
    assert refused(token, T0, expected_activity_id=8) == "checkin_wrong_activity"
    activity, step, signature = token.split(".")
    assert refused(f"8.{step}.{signature}", T0) == "checkin_code_invalid"  # re-pointed at another activity
    assert refused(f"{activity}.{int(step) + 1}.{signature}", T0 + timedelta(seconds=30)) == "checkin_code_invalid"
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    assert refused(f"{activity}.{step}.{flipped}", T0) == "checkin_code_invalid"
    for junk in ("", "hello", "7.1", "a=7", "7.1.short", "../../etc", "7." + "9" * 30 + ".x"):
        assert refused(junk, T0) == "checkin_code_invalid"


def test_codes_depend_on_the_secret_key(app):
    token = rotating_code(7, T0).token
    app.config["SECRET_KEY"], old = "another-secret", app.config["SECRET_KEY"]
    try:
        assert refused(token, T0) == "checkin_code_invalid"
    finally:
        app.config["SECRET_KEY"] = old


def test_step_is_configurable(app):
    app.config["PARTY_CHECKIN_STEP"] = 10
    try:
        code = rotating_code(7, T0)
        assert code.expires_in == 10 and code.step_seconds == 10
        assert refused(code.token, T0 + timedelta(seconds=25)) == "checkin_code_expired"
    finally:
        app.config["PARTY_CHECKIN_STEP"] = 30


def test_check_in_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("PARTY_CHECKIN_STEP", "20")
    monkeypatch.setenv("PARTY_CHECKIN_EARLY_MINUTES", "45")
    config = load_config("test")
    assert (config["PARTY_CHECKIN_STEP"], config["PARTY_CHECKIN_SKEW"], config["PARTY_CHECKIN_EARLY_MINUTES"]) == (20, 5, 45)


def test_poster_scene_fits_a_mini_program_code_and_never_expires():
    scene = poster_scene(1234567)
    assert len(scene) <= 32 and scene.startswith("a=1234567.")
    assert read_code(scene, T0 + timedelta(days=400)).via == "poster"
    assert refused(scene.replace("a=1234567", "a=1234568"), T0) == "checkin_code_invalid"


def test_frozen_clock_drives_utcnow():
    with time_machine.travel(T0, tick=False):
        token = rotating_code(7, utcnow()).token
    with time_machine.travel(T0 + timedelta(seconds=61), tick=False):
        assert read_code(token, utcnow()).activity_id == 7
    with time_machine.travel(T0 + timedelta(seconds=66), tick=False):
        assert refused(token, utcnow()) == "checkin_code_expired"
