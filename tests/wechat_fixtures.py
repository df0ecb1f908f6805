"""Pytest plugin: the WeChat stand-in, started once per test session.

Load it with ``pytest_plugins = ["tests.wechat_fixtures"]`` (or ``-p tests.wechat_fixtures``).
Use ``standin`` in tests: it is the same server, with faults, the request log,
pushes, used codes and config reset around each test.
"""
from __future__ import annotations

import pytest

from devtools.wechat_standin import StandIn


@pytest.fixture(scope="session")
def wechat_standin():
    server = StandIn().start()
    yield server
    server.stop()


@pytest.fixture
def standin(wechat_standin):
    wechat_standin.reset()
    yield wechat_standin
    wechat_standin.reset()
