"""The claim path stays at a handful of statements: auth, one UPDATE, one INSERT."""
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


def test_a_claim_is_auth_plus_one_update_and_one_insert(login_as, member, make_task, tree):
    task = make_task(tree["a1"], slots=3)
    client = login_as(member(tree["a1"]))
    path = f"/tasks/{task.id}/claims"
    db.session.commit()
    with statements() as seen:
        assert client.post(path).status_code == 201
    writes = [s for s in seen if not s.startswith("SELECT")]
    assert [w.split()[0] for w in writes] == ["UPDATE", "INSERT"]
    assert len(seen) <= 4, seen  # the person and their roles, then the two writes


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
