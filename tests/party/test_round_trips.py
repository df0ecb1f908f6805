"""The hot path stays short: what each request sends to the database, beyond authentication."""
import contextlib
from datetime import timedelta

from sqlalchemy import event

from backend.core.db import db, utcnow
from tests.party.conftest import PLACE, code_of


@contextlib.contextmanager
def statements(login_lookup: bool = False):
    """The SQL sent meanwhile, without transaction control (and the login lookup, unless asked)."""
    sent = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if not statement.startswith(("BEGIN", "SAVEPOINT", "RELEASE")):
            sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
        if not login_lookup:
            sent[:] = [s for s in sent if "FROM users" not in s and "FROM role_assignments" not in s]


def test_a_check_in_is_one_statement_first_time_and_repeat(login_as, tree, member, make_activity, fenced):
    """On PostgreSQL the scan is one statement (data-modifying CTEs), the person's token checked in it
    too; SQLite, without them, takes steps. A refused scan takes no more."""
    activity = make_activity(tree["a"], **fenced)
    client = login_as(member(tree["a1"]))
    body = {"token": code_of(activity), "location": PLACE}
    with statements(login_lookup=True) as first:
        assert client.post("/checkins", json=body).status_code == 201
    with statements(login_lookup=True) as repeat:
        assert client.post("/checkins", json=body).status_code == 200
    neighbour = login_as(member(tree["b1"]))
    with statements(login_lookup=True) as refused:
        assert neighbour.post("/checkins", json=body).status_code == 403
    if db.engine.dialect.name == "postgresql":
        assert [s.split()[0] for s in first] == [s.split()[0] for s in repeat] == ["WITH"]
        assert refused == first
    else:
        assert [s.split()[0] for s in first] == ["INSERT", "UPDATE", "SELECT"]
        assert [s.split()[0] for s in repeat] == [s.split()[0] for s in refused] == ["INSERT", "SELECT"]


def test_lists_do_not_grow_with_the_page(login_as, make_user, tree, leader, make_activity):
    boss = login_as(leader(tree["street"]))
    for n in range(12):
        make_activity(tree["a1"] if n % 2 else tree["b1"], title=f"活动{n}",
                      starts_at=utcnow() + timedelta(days=1, hours=n), ends_at=utcnow() + timedelta(days=1, hours=n + 1))
        login_as(make_user()).post("/party/registrations", json={
            "employer_org": "甲单位", "employer_party_org": "甲单位党委", "grid_id": (tree["a1"] if n % 2 else tree["b1"]).id})
    for path in ("/activities", "/party/registrations", "/inbox"):
        with statements() as small:
            assert boss.get(f"{path}?page_size=2").status_code == 200
        with statements() as large:
            assert boss.get(f"{path}?page_size=50").status_code == 200
        assert len(small) == len(large), path
