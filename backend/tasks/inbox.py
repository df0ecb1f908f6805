"""Task proofs waiting for a leader's verification, in the leader's subtree."""
from __future__ import annotations

import functools
from datetime import datetime

from sqlalchemy import bindparam, func, select

from backend.auth.models import User
from backend.auth.permissions import capability_scopes
from backend.grids.models import Grid, in_bound_subtree_ids, subtree_values
from backend.inbox.items import InboxItem, inbox_columns
from backend.tasks.models import Task, TaskClaim

KIND = "task_proof"


@functools.cache
def _selects(scope_count: int) -> tuple:
    claimant = func.coalesce(func.nullif(User.real_name, ""), User.nickname)
    proofs = (select(*inbox_columns(KIND, TaskClaim.id, Grid, TaskClaim.status, Task.deadline,
                                    subject=Task.title, detail=claimant, ref_id=Task.id))
              .join(Task, TaskClaim.task_id == Task.id).join(Grid, Task.grid_id == Grid.id)
              .join(User, TaskClaim.user_id == User.id)
              .where(TaskClaim.status == "submitted", TaskClaim.user_id != bindparam("task_user"),
                     in_bound_subtree_ids(Grid.id, "task_scope", scope_count)))
    return (proofs,)


def inbox_selects(user: User):
    scopes = capability_scopes(user, "tasks.manage")
    if not scopes:
        return None
    return _selects(len(scopes)), {"task_user": user.id, **subtree_values("task_scope", scopes)}


def inbox_item(row, now: datetime) -> InboxItem:
    return InboxItem(kind=KIND, id=row.id, title=f"{row.subject}：{row.detail}提交了完成凭证",
                     grid_id=row.grid_id, grid_name=row.grid_name, status=row.status, deadline=row.deadline,
                     overdue=row.deadline <= now, path=f"/tasks/{row.ref_id}/claims/{row.id}")
