"""The claim path stays at a handful of statements: auth, then one statement on PostgreSQL."""
from contextlib import contextmanager

from sqlalchemy import event

from backend.core.db import db


@contextmanager
def statements():
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        words = statement.split()
        if words[0] not in ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"):
            seen.append(" ".join(words[:3]))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_a_claim_is_one_statement_the_person_checked_in_it(login_as, member, make_task, tree):
    """On PostgreSQL the person's token and role, the slot, the claim and a refusal's facts are one
    statement (data-modifying CTEs), with no login lookup before it; SQLite, without them, takes
    steps. A refusal costs no more than a win, and an Idempotency-Key, kept on the claim, no more
    than none, even when a retry is answered."""
    task = make_task(tree["a1"], slots=1)
    first, second = login_as(member(tree["a1"])), login_as(member(tree["a1"]))
    path, key = f"/tasks/{task.id}/claims", {"Idempotency-Key": "tap-1"}
    db.session.commit()
    with statements() as won:
        assert first.post(path, headers=key).status_code == 201
    with statements() as refused:
        assert second.post(path).status_code == 409
    with statements() as retried:
        assert first.post(path, headers=key).status_code == 201
    if db.engine.dialect.name == "postgresql":
        assert [s.split()[0] for s in won] == [s.split()[0] for s in refused] == ["WITH"]
        assert retried[0].split()[0] == "WITH"  # then the claim and the person, to answer with
    else:
        assert [s.split()[0] for s in won] == ["INSERT", "UPDATE", "SELECT"]
        assert [s.split()[0] for s in refused] == ["INSERT", "SELECT"]


def test_the_task_list_is_a_fixed_number_of_queries_whatever_its_length(login_as, member, make_task, tree):
    client = login_as(member(tree["a1"]))
    make_task(tree["a1"])
    db.session.commit()
    with statements() as few:
        client.get("/tasks")
    for n in range(10):
        make_task(tree["a"] if n % 2 else tree["street"], slots=2)
    db.session.commit()
    with statements() as many:
        assert client.get("/tasks").get_json()["total"] == 11
    assert len(many) == len(few) <= 5, many
