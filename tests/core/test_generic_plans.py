"""The inbox and a grid's report list are planned without their values once per connection, not
for every call (``force_generic_plans``): planning them took longer than running them."""
import os

import pytest
from sqlalchemy import text

from backend.auth.services import issue_access_token, user_from_token
from backend.core.db import db
from backend.inbox.services import inbox_page
from backend.reports.listing import summary_page
from tests.inbox.test_inbox import waiting_report

pytestmark = pytest.mark.skipif("postgresql" not in os.environ.get("TEST_DATABASE_URL", ""),
                                reason="PostgreSQL's plan cache; runs in the PostgreSQL pass")

PLANS = text("SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE :fragment")


def assert_generic_plans_only(read, fragment: str) -> None:
    """After seven ``read()`` calls, the prepared statements whose text holds ``fragment`` ran generic plans only."""
    for _ in range(7):  # one transaction, so one connection; psycopg prepares a statement run five times
        read()
    plans = db.session.execute(PLANS, {"fragment": f"%{fragment}%"}).all()
    assert plans and all(generic >= 1 and custom == 0 for generic, custom in plans)


@pytest.fixture
def leader(tree, make_user):
    person = make_user(roles=[("grid_leader", tree["a"])])
    waiting_report(tree["a1"], hours=1)
    return user_from_token(issue_access_token(person)[0])


def test_the_inbox_keeps_one_generic_plan(leader):
    def read():
        assert inbox_page(leader, 1, 20)["total"] == 1

    assert_generic_plans_only(read, "waiting")


def test_a_grids_report_list_keeps_one_generic_plan(leader, tree):
    def read():
        assert summary_page(leader, {"grid_id": tree["a"].id})["total"] == 1

    assert_generic_plans_only(read, "matching")
