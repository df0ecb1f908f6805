"""The pre-aggregated grid figures equal a recount from scratch: with changes still in the tail,
after folding, after a rebuild, after a grid moves, and with writers racing the fold."""
from __future__ import annotations

import os
import random
import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from backend.auth.models import RoleAssignment, User
from backend.core.db import db, utcnow
from backend.grids.importer import _move_subtree
from backend.grids.models import Grid
from backend.party.models import Activity, Checkin, PartyRegistration
from backend.points.models import PointEntry
from backend.reports.models import STATUS_NAMES, Report, ReportRating
from backend.stats import figures as stat_figures
from backend.stats import fold as folding
from backend.stats.models import PointMember, StatDelta, StatTotal
from backend.tasks.models import Task, TaskClaim
from tests.stats.recount import recount

CLAIM_STATES = ("claimed", "submitted", "verified", "released", "expired")


@pytest.fixture
def city(make_grid):
    """Two streets of two 居民区 of two micro-grids each."""
    root = make_grid(name="市")
    grids = [root]
    for street in (make_grid(root), make_grid(root)):
        grids.append(street)
        for area in (make_grid(street), make_grid(street)):
            grids += [area, make_grid(area), make_grid(area)]
    return grids


def _stats(login_as, make_user, grid: Grid) -> dict:
    admin = make_user(roles=[("street_admin", grid)])
    response = login_as(admin).get(f"/grids/{grid.id}/stats")
    assert response.status_code == 200, response.json
    db.session.execute(RoleAssignment.__table__.delete().where(RoleAssignment.user_id == admin.id))
    db.session.execute(User.__table__.delete().where(User.id == admin.id))
    db.session.commit()
    return response.json["sections"]


def _assert_equal(login_as, make_user, grids) -> None:
    for grid in grids:
        db.session.refresh(grid)
        got, want = _stats(login_as, make_user, grid), recount(grid)
        for section in want:
            assert got[section] == want[section], (grid.path, section)


class Writer:
    """Random changes to every counted table, as the services make them (and a few they never do)."""

    def __init__(self, seed: int, grids: list[Grid]):
        self.rng, self.grids = random.Random(seed), grids
        self.leaves = [g for g in grids if g.level == 4]

    def when(self) -> datetime:
        # Times to the microsecond, as real ones are: an average that falls exactly on a rounding
        # tie (x.x5 hours) could round either way in two correct sums.
        return utcnow() - timedelta(days=self.rng.choice((0, 0, 1, 20, 40, 400)), seconds=self.rng.uniform(0, 36_000))

    def commit_step(self) -> None:
        """One random change, committed. One a constraint refuses (a second registration …), or that
        loses a race with another writer (the row deleted meanwhile, a deadlock), changes nothing."""
        try:
            getattr(self, self.rng.choice([name for name in dir(self) if name.startswith("do_")]))()
            db.session.commit()
        except (IntegrityError, StaleDataError, OperationalError):
            db.session.rollback()

    def pick(self, model):
        ids = db.session.scalars(select(model.id)).all()
        return db.session.get(model, self.rng.choice(ids)) if ids else None

    def delete(self, row) -> None:
        """A DELETE in SQL, so the database's cascades (not the ORM's) take the children."""
        table = type(row).__table__
        db.session.execute(table.delete().where(table.c.id == row.id))
        db.session.expunge(row)

    def do_person(self):
        grid = self.rng.choice(self.leaves)
        user = User(openid=f"w{self.rng.random()}", grid_id=self.rng.choice((grid.id, None)))
        db.session.add(user)
        db.session.flush()
        role = self.rng.choice(("party_member", "grid_leader", "handler"))
        db.session.add(RoleAssignment(user_id=user.id, role=role, grid_id=self.rng.choice(self.grids).id))

    def do_move_person(self):
        if user := self.pick(User):
            user.grid_id = self.rng.choice(self.leaves).id

    def do_report(self):
        grid, created = self.rng.choice(self.grids), self.when()
        status = self.rng.choice(list(STATUS_NAMES))
        report = Report(category="road", description="x", lat=31.2, lng=121.4, origin_grid_id=grid.id,
                        grid_id=grid.id, status=status, created_at=created, overdue=self.rng.random() < 0.3,
                        deadline_at=created + timedelta(hours=self.rng.choice((-5, 5, 50))),
                        escalations=self.rng.choice((0, 0, 1)),
                        accepted_at=created + timedelta(seconds=self.rng.uniform(60, 50_000)) if status != "submitted" else None,
                        resolved_at=created + timedelta(seconds=self.rng.uniform(3600, 300_000)) if status in ("resolved", "closed") else None)
        db.session.add(report)
        if status == "closed" and self.rng.random() < 0.7:
            db.session.flush()
            db.session.add(ReportRating(report_id=report.id, score=self.rng.randint(1, 5)))

    def do_report_moves_on(self):
        if report := self.pick(Report):
            report.status = self.rng.choice(list(STATUS_NAMES))
            report.overdue = not report.overdue
            report.resolved_at = utcnow() if report.status in ("resolved", "closed") else report.resolved_at

    def do_delete_report(self):
        if report := self.pick(Report):
            self.delete(report)

    def do_activity(self):
        grid = self.rng.choice(self.grids)
        activity = Activity(grid_id=grid.id, grid_path=grid.path, kind="volunteer", title="a", starts_at=utcnow(),
                            ends_at=utcnow() + timedelta(hours=2), capacity=50, service_minutes=90)
        db.session.add(activity)
        db.session.flush()
        for user in db.session.scalars(select(User).limit(self.rng.randrange(4))):
            db.session.add(Checkin(activity_id=activity.id, user_id=user.id, checked_in_at=utcnow(),
                                   service_minutes=self.rng.choice((None, 30, 90))))

    def do_checkout(self):
        if checkin := self.pick(Checkin):
            checkin.service_minutes = self.rng.randrange(200)

    def do_delete_activity(self):
        if activity := self.pick(Activity):
            self.delete(activity)

    def do_registration(self):
        if user := self.pick(User):
            db.session.add(PartyRegistration(user_id=user.id, grid_id=self.rng.choice(self.leaves).id, employer_org="o",
                                             employer_party_org="p", status=self.rng.choice(("pending", "approved"))))

    def do_decide(self):
        if registration := self.pick(PartyRegistration):
            registration.status = self.rng.choice(("approved", "rejected"))

    def do_task(self):
        grid = self.rng.choice(self.grids)
        task = Task(grid_id=grid.id, title="t", slots=3, taken=self.rng.randrange(4), points=5,
                    deadline=utcnow() + timedelta(days=self.rng.choice((-1, 2))))
        db.session.add(task)
        db.session.flush()
        for user in db.session.scalars(select(User).limit(self.rng.randrange(3))):
            db.session.add(TaskClaim(task_id=task.id, user_id=user.id, status=self.rng.choice(CLAIM_STATES)))

    def do_task_moves_on(self):
        """A slot taken or given back (the task may fill up or open again), or the deadline moved."""
        if task := self.pick(Task):
            task.taken = self.rng.randrange(task.slots + 1)
            task.deadline = utcnow() + timedelta(days=self.rng.choice((-1, 2, 3)))

    def do_claim_moves_on(self):
        if claim := self.pick(TaskClaim):
            claim.status = self.rng.choice(CLAIM_STATES)

    def do_delete_task(self):
        if task := self.pick(Task):
            self.delete(task)

    def do_points(self):
        user, grid = self.pick(User), self.rng.choice(self.grids)
        if user:
            db.session.add(PointEntry(user_id=user.id, points=self.rng.choice((-3, 2, 5)), grid_path=grid.path,
                                      source=self.rng.choice(("task", "checkin", "manual")),
                                      source_id=self.rng.randrange(10**9), created_at=self.when()))

    def do_delete_person(self):
        if user := self.pick(User):
            db.session.execute(PartyRegistration.__table__.delete().where(PartyRegistration.user_id == user.id))
            self.delete(user)


def _run(writer: Writer, steps: int) -> None:
    for _ in range(steps):
        writer.commit_step()


def test_figures_equal_a_recount_in_the_tail_after_folding_and_after_a_rebuild(city, login_as, make_user):
    writer = Writer(7, city)
    _run(writer, 150)
    _assert_equal(login_as, make_user, city[:4])
    folding.fold(batch=40)  # part of the tail folded, the rest still read from the tail
    db.session.commit()
    _run(writer, 60)
    _assert_equal(login_as, make_user, city)
    while folding.fold():
        db.session.commit()
    assert db.session.query(StatDelta).count() == 0
    _assert_equal(login_as, make_user, city)
    _run(writer, 40)
    folding.rebuild()
    db.session.commit()
    _assert_equal(login_as, make_user, city)


def test_folding_what_is_pending_stops_at_the_first_short_batch(city, login_as, make_user):
    """A short batch took everything committed when it began: folding on would, under a steady
    stream of writes, never let the folder pause. A member whose entries fell to none loses the row."""
    _run(Writer(5, city), 150)
    pending = db.session.query(StatDelta).count()
    batch = pending // 3 + 1  # three batches, the last one short
    takes = []

    def listener(connection, cursor, statement, *args):
        if statement.startswith("DELETE FROM grid_stat_deltas"):
            takes.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert folding.fold_pending(batch) == pending
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(takes) == 3
    assert db.session.query(StatDelta).count() == 0
    assert db.session.query(PointMember).filter(PointMember.entries <= 0).count() == 0
    _assert_equal(login_as, make_user, city)


def test_a_moved_subtree_takes_its_figures_along(city, login_as, make_user):
    writer = Writer(11, city)
    _run(writer, 120)
    folding.fold()
    _run(writer, 20)
    area, other_street = city[2], city[9]
    old_path = area.path
    area.parent, area.path = other_street, f"{other_street.path}{area.id}/"
    _move_subtree(old_path, area.path)
    folding.grid_moved(area, old_path)
    db.session.commit()
    _assert_equal(login_as, make_user, city[:2] + [area, other_street])
    folding.fold()
    db.session.commit()
    _assert_equal(login_as, make_user, city)


def test_the_stats_request_takes_as_many_statements_for_a_micro_grid_an_area_a_street_and_the_city(
        city, login_as, make_user):
    _run(Writer(3, city), 80)
    counts = []
    for grid in (city[4], city[2], city[1], city[0]):
        admin = make_user(roles=[("street_admin", grid)])  # each asks about their own grid, as the bench does
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert login_as(admin).get(f"/grids/{grid.id}/stats").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        counts.append(len([s for s in statements if "grid_stat" in s]))
        counts.append(len(statements))
    assert counts[0::2] == [1, 1, 1, 1] and len(set(counts[1::2])) == 1


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="needs concurrent writers (PostgreSQL)")
def test_writers_racing_the_fold_leave_figures_equal_to_a_recount(app, city, login_as, make_user):
    stop = threading.Event()
    errors: list[BaseException] = []

    grid_ids = [grid.id for grid in city]  # read here: the test's session is not the threads' to use

    def write(seed):
        with app.app_context():
            writer = Writer(seed, [db.session.get(Grid, grid_id) for grid_id in grid_ids])
            try:
                for _ in range(60):
                    writer.commit_step()
            except BaseException as error:  # noqa: BLE001 - handed to the test thread
                errors.append(error)
                db.session.rollback()

    def fold_forever():
        with app.app_context():
            while not stop.is_set():
                folding.fold(batch=25)
                db.session.commit()

    _run(Writer(1, city), 30)
    writers = [threading.Thread(target=write, args=(seed,)) for seed in (21, 22, 23)]
    folder = threading.Thread(target=fold_forever)
    for thread in (*writers, folder):
        thread.start()
    for thread in writers:
        thread.join()
    stop.set()
    folder.join()
    assert not errors
    _assert_equal(login_as, make_user, city)
    while folding.fold():
        db.session.commit()
    _assert_equal(login_as, make_user, city)


def _open_tasks(grid: Grid, now: datetime) -> int:
    subtree = select(Grid.id).where(Grid.path.startswith(grid.path))
    return len(db.session.scalars(select(Task.id).where(Task.grid_id.in_(subtree), Task.deadline > now,
                                                        Task.taken < Task.slots)).all())


def test_open_tasks_are_the_hours_to_come_plus_this_hours_tasks_counted_live(city, make_grid, login_as, make_user,
                                                                              monkeypatch):
    """Open tasks are kept per hour of their deadline: a read adds the hours after its own and counts
    its own hour's live, so every deadline around the clock, and every change to one, counts once."""
    now = (utcnow() + timedelta(days=2)).replace(minute=30)  # ahead: the fold drops only the hours before the real clock
    monkeypatch.setattr(stat_figures, "utcnow", lambda: now)
    other_root = make_grid(name="另一城")
    micro, street, root = city[4], city[1], city[0]
    offsets = (-120, -10, -1, 10, 29, 30, 40, 300, 3000)  # minutes from the clock
    tasks = [Task(grid_id=grid.id, title="t", slots=2, taken=taken, points=1, deadline=now + timedelta(minutes=minutes))
             for grid in (micro, city[7], other_root) for minutes in offsets for taken in (0, 1, 2)]
    db.session.add_all(tasks)
    db.session.commit()

    def assert_counted():
        for grid in (micro, street, root, other_root):
            db.session.refresh(grid)
            assert _stats(login_as, make_user, grid)["tasks"]["tasks_open"] == _open_tasks(grid, now), grid.path

    assert_counted()  # from the tail
    folding.fold()
    db.session.commit()
    assert_counted()  # from the totals
    for task, minutes in zip(tasks[::4], (25, 45, -5, 200, 20, 31, 10)):
        db.session.refresh(task)
        task.deadline = now + timedelta(minutes=minutes)
    for task in tasks[1::5]:
        db.session.refresh(task)
        task.taken = task.slots if task.taken < task.slots else 0
    db.session.execute(Task.__table__.delete().where(Task.id.in_([task.id for task in tasks[2::7]])))
    db.session.commit()
    assert_counted()  # the changes in the tail, over the folded totals
    folding.fold()
    db.session.commit()
    assert_counted()
    folding.rebuild()
    db.session.commit()
    assert_counted()


def test_the_fold_drops_the_open_tasks_of_hours_gone_by(city):
    gone, to_come = utcnow() - timedelta(hours=3), utcnow() + timedelta(hours=3)
    db.session.add_all([Task(grid_id=city[4].id, title="t", slots=1, taken=0, points=1, deadline=deadline)
                        for deadline in (gone, to_come)])
    db.session.commit()
    folding.fold()
    db.session.commit()
    hours = set(db.session.scalars(select(StatTotal.metric).where(StatTotal.metric.startswith("tasks.open."))))
    assert hours == {stat_figures.open_metric(to_come)}


def test_stats_of_a_grid_that_does_not_exist_are_not_found(city, login_as, make_user):
    admin = make_user(roles=[("street_admin", city[0])])
    response = login_as(admin).get("/grids/987654/stats")
    assert response.status_code == 404 and response.get_json()["code"] == "not_found"
