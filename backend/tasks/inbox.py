"""Task proofs waiting for a leader's verification, in the leader's subtree."""
from __future__ import annotations

from sqlalchemy import select

from backend.auth.models import User
from backend.auth.permissions import capability_scopes
from backend.core.db import db, utcnow
from backend.grids.models import Grid, in_subtrees
from backend.inbox.items import InboxItem
from backend.tasks.models import Task, TaskClaim

LIMIT = 200


def inbox_items(user) -> list[InboxItem]:
    scopes = capability_scopes(user, "tasks.manage")
    if not scopes:
        return []
    now = utcnow()
    rows = db.session.execute(
        select(TaskClaim.id, Task.id, Task.title, Task.deadline, Grid.id, Grid.name, User.real_name, User.nickname)
        .join(Task, TaskClaim.task_id == Task.id).join(Grid, Task.grid_id == Grid.id)
        .join(User, TaskClaim.user_id == User.id)
        .where(TaskClaim.status == "submitted", TaskClaim.user_id != user.id,
               in_subtrees(*scopes))
        .order_by(Task.deadline, TaskClaim.id)
        .limit(LIMIT)
    )
    return [
        InboxItem(kind="task_proof", id=claim_id, title=f"{title}：{real_name or nickname}提交了完成凭证",
                  grid_id=grid_id, grid_name=grid_name, status="submitted", deadline=deadline,
                  overdue=deadline <= now, path=f"/tasks/{task_id}/claims/{claim_id}")
        for claim_id, task_id, title, deadline, grid_id, grid_name, real_name, nickname in rows
    ]
