"""Demo micro-tasks on 石门二路: the sample catalogue, ten tasks, a few claims, one verified with points.

Idempotent: tasks are matched by grid and title, claims by member and task.
"""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from backend.core.db import db, utcnow
from backend.tasks import services
from backend.tasks.catalogue import import_catalogue
from backend.tasks.models import CatalogueItem, Task, TaskClaim

CATALOGUE_FILE = Path(__file__).parent / "data" / "catalogue_sample.csv"
#: (catalogue code, slots, days to the deadline) for each demo task.
TASKS = [("PA-04", 3, 7), ("WM-01", 5, 3), ("SF-01", 2, 5), ("PA-03", 4, 10), ("SF-09", 3, 14),
         ("WM-02", 6, 2), ("PA-01", 2, 4), ("SF-02", 4, 6), ("WM-06", 3, 21), ("SF-10", 1, 9)]


def seed(street, people) -> None:
    import_catalogue(CATALOGUE_FILE)
    leaders = [leader for leader in people["leaders"] if leader.roles[0].grid.level == 2]
    tasks = [_task(leaders[n % len(leaders)], code, slots, days) for n, (code, slots, days) in enumerate(TASKS)]
    db.session.flush()
    visit = tasks[0]  # 独居老人安全探访 needs a note only, so the demo can finish it without photos
    members = [m for m in people["members"] if services.member_covers(m, visit.grid)][:2]
    claims = [_claim(member, visit) for member in members]
    if claims and claims[0].status == "claimed":
        services.submit_proof(members[0], visit.id, claims[0].id, "已上门探望，老人身体尚好，燃气阀门已检查。", [])
        services.verify_claim(leaders[0], visit.id, claims[0].id, approved=True)


def _task(leader, code: str, slots: int, days: int) -> Task:
    grid = leader.roles[0].grid
    item = db.session.scalar(select(CatalogueItem).where(CatalogueItem.code == code))
    task = db.session.scalar(select(Task).where(Task.grid_id == grid.id, Task.title == item.title))
    if task is None:
        task = services.create_task(leader, grid, {"catalogue_item_id": item.id, "slots": slots,
                                                   "deadline": utcnow() + timedelta(days=days)})
    return task


def _claim(member, task: Task) -> TaskClaim:
    claim = db.session.scalar(select(TaskClaim).where(TaskClaim.task_id == task.id, TaskClaim.user_id == member.id))
    return claim or services.claim_task(member, task.id)[0]
