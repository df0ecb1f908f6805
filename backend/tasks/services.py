"""网格微事项: publishing, claiming the last slot fairly, proof, verification and points.

Who sees what:
- a leader (``tasks.manage``) sees and manages the tasks of their subtree;
- a party member (``tasks.claim``) sees and claims the tasks on the path of their
  party or home grid: that grid, the grids above it and the grids below it;
- a member always sees the tasks they have claimed.

The claim path is one INSERT guarded by a partial unique index plus one UPDATE
of the task's ``taken`` counter under a CHECK (``taken <= slots``), so however
many people press "认领" at once, exactly ``slots`` of them win (NOTES.md,
"Last-slot claims"); on PostgreSQL both, the person's token and role, and the
facts a refusal is explained from are one statement, run in autocommit.
"""
from __future__ import annotations

import functools
from datetime import datetime

from sqlalchemy import Integer, String, and_, bindparam, case, exists, false, literal, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager
from sqlalchemy.orm.attributes import set_committed_value

from backend.auth.conditions import HOLDS_TOKEN, holds, holds_token, on_a_line
from backend.auth.models import User
from backend.auth.permissions import can, capability_scopes
from backend.auth.services import TokenCaller, require, token_revoked
from backend.core.api import paginate
from backend.core.db import UTCDateTime, db, dialect_insert, single_statement_connection, utcnow
from backend.core.errors import Conflict, DomainError, Forbidden, NotFound
from backend.core.idempotency import key_reused
from backend.grids.models import Grid
from backend.points.services import award_points
from backend.reports.models import OPEN_STATES
from backend.reports.services import get_report
from backend.tasks.models import CatalogueItem, ClaimPhoto, Task, TaskClaim
from backend.uploads.services import ACCESS_CHECKS, owned_uploads


# --- who sees what -----------------------------------------------------------

def _member_paths(user) -> list[str]:
    """Paths of the grids a party member belongs to: where they are a member, and their home."""
    paths = [grid.path for grid in capability_scopes(user, "tasks.claim")]
    if paths and user.home is not None:
        paths.append(user.home.path)
    return paths


def _ids_on_paths(paths: list[str]) -> set[int]:
    return {int(part) for path in paths for part in path.strip("/").split("/") if part}


def _member_condition(user):
    """Tasks on a member's paths: the grid, its ancestors (known from the path) and its subtree."""
    paths = _member_paths(user)
    if not paths:
        return false()
    below = select(Grid.id).where(or_(*(Grid.path.startswith(path) for path in paths)))
    return or_(Task.grid_id.in_(_ids_on_paths(paths)), Task.grid_id.in_(below))


def _visible_condition(user):
    managed = [Grid.path.startswith(grid.path) for grid in capability_scopes(user, "tasks.manage")]
    mine = exists().where(TaskClaim.task_id == Task.id, TaskClaim.user_id == user.id)
    return or_(_member_condition(user), mine, *managed)


def member_covers(user, grid) -> bool:
    return any(path.startswith(grid.path) or grid.path.startswith(path) for path in _member_paths(user))


def can_manage(user, task: Task) -> bool:
    return can(user, "tasks.manage", task.grid)


def can_see(user, task: Task) -> bool:
    if can_manage(user, task) or member_covers(user, task.grid):
        return True
    return bool(db.session.scalar(
        select(exists().where(TaskClaim.task_id == task.id, TaskClaim.user_id == user.id))
    ))


def get_visible_task(user, task_id: int) -> Task:
    task = db.session.get(Task, task_id)
    if task is None or not can_see(user, task):
        raise NotFound("微事项")
    return task


def get_managed_task(user, task_id: int) -> Task:
    """404 for a task the caller may not know of, 403 for one they see but do not manage."""
    task = get_visible_task(user, task_id)
    if not can_manage(user, task):
        raise Forbidden("只有该网格的网格长可以管理这个微事项")
    return task


# --- publishing --------------------------------------------------------------

def create_task(leader, grid: Grid | None, data: dict) -> Task:
    """Publish a task: written freely (一网一策), from a catalogue item, or from a 随手拍 report.

    Fields left out are filled from the catalogue item or the report; the report's
    grid is the task's grid unless another is given.
    """
    item = _catalogue_item(data.get("catalogue_item_id"))
    report = _report_for_task(leader, data.get("report_id"))
    grid = grid or (report.grid if report else None)
    if grid is None:
        raise DomainError("grid_required", "请选择发布微事项的网格", 422)
    require(leader, "tasks.manage", grid)
    title = (data.get("title") or (item.title if item else "") or _report_title(report)).strip()
    if not title:
        raise DomainError("title_required", "请填写微事项名称", 422)
    points = data.get("points") or (item.points if item else None)
    if not points:
        raise DomainError("points_required", "请填写完成后可得的积分", 422)
    if data["deadline"] <= utcnow():
        raise DomainError("deadline_past", "截止时间必须晚于现在", 422)
    proof = data.get("proof_required") or (item.proof_required if item else ["photo"])
    description = data.get("description")
    if description is None:
        description = item.description if item else _report_text(report)
    task = Task(
        grid_id=grid.id, grid=grid, title=title, description=description.strip(), points=points,
        slots=data["slots"], deadline=data["deadline"], proof_photo="photo" in proof, proof_note="note" in proof,
        catalogue_item=item, report_id=report.id if report else None, created_by_id=leader.id,
    )
    db.session.add(task)
    db.session.flush()
    return task


def _catalogue_item(item_id: int | None) -> CatalogueItem | None:
    if item_id is None:
        return None
    item = db.session.get(CatalogueItem, item_id)
    if item is None:
        raise DomainError("catalogue_item_not_found", "事项清单中没有这一项，请刷新后重选", 422)
    return item


def _report_for_task(leader, report_id: int | None):
    """A report still being handled, by a leader who handles it where it waits."""
    if report_id is None:
        return None
    report = get_report(leader, report_id)
    if not can(leader, "reports.handle", report.grid):
        raise Forbidden("只有处置该反映的网格长可以把它发布为微事项")
    if report.status not in OPEN_STATES:
        raise Conflict("report_not_open", "这条反映已办结或已驳回，不能再发布为微事项")
    return report


def _report_title(report) -> str:
    return f"随手拍：{report.description[:40]}" if report else ""


def _report_text(report) -> str:
    if report is None:
        return ""
    return f"{report.description}（地点：{report.address}）" if report.address else report.description


def list_tasks(user, args: dict, grid: Grid | None = None) -> dict:
    """One page of the tasks the caller may see, each with the caller's own claim."""
    page = paginate(task_list_query(user, args, grid), args, db.session)
    attach_my_claims(user, page["items"])
    return page


def task_list_query(user, args: dict, grid: Grid | None = None):
    """Still-open deadlines first, soonest first, then past ones, latest first."""
    now = utcnow()
    query = select(Task).join(Task.grid).options(contains_eager(Task.grid)).where(_visible_condition(user))
    if grid is not None:
        query = query.where(Grid.path.startswith(grid.path))
    if args.get("status"):
        query = query.where(Task.status_at(now) == args["status"])
    if args.get("mine"):
        query = query.where(exists().where(TaskClaim.task_id == Task.id, TaskClaim.user_id == user.id))
    past = Task.deadline <= now
    return query.order_by(past, case((~past, Task.deadline)), Task.deadline.desc(), Task.id)


def attach_my_claims(user, tasks: list[Task]) -> None:
    """Set ``task.my_claim`` (brief) on each task: the slot-holding claim, else the last given back."""
    for task in tasks:
        task.my_claim = None
    if not tasks:
        return
    by_id = {task.id: task for task in tasks}
    rows = db.session.execute(
        select(TaskClaim.id, TaskClaim.task_id, TaskClaim.status, TaskClaim.reject_reason)
        .where(TaskClaim.user_id == user.id, TaskClaim.task_id.in_(by_id))
        .order_by(TaskClaim.id)
    )
    now = utcnow()
    for claim_id, task_id, status, reason in rows:
        task = by_id[task_id]
        if task.my_claim is not None and status == "released" and task.my_claim["status"] != "released":
            continue
        if status == "claimed" and task.deadline <= now:
            status = "expired"
        task.my_claim = {"id": claim_id, "status": status, "reject_reason": reason}


def task_detail(user, task: Task) -> Task:
    """The task with the caller's own claim and, for its leaders, the claims on it."""
    claims = db.session.scalars(select(TaskClaim).where(TaskClaim.task_id == task.id).order_by(TaskClaim.id)).all()
    own = [c for c in claims if c.user_id == user.id]
    task.my_claim = next((c for c in reversed(own) if c.status != "released"), own[-1] if own else None)
    task.claims = [c for c in claims if c.status != "released"] if can_manage(user, task) else []
    return task


# --- claiming ----------------------------------------------------------------

_tasks, _claims, _grids = Task.__table__, TaskClaim.__table__, Grid.__table__
_t, _cl, _g = _tasks.c, _claims.c, _grids.c
_home = _grids.alias("home")
#: The person the token was issued to, while they still hold it.
_caller = User.__table__.alias("caller")

_keyed = _claims.alias("keyed")

_MAY_CLAIM = holds("tasks.claim")
#: ``member_covers`` in SQL: the task's grid is above or below a grid where the person may claim,
#: or (once they may claim anywhere) their home.
_ON_THE_MEMBERS_LINE = or_(
    holds("tasks.claim", lambda role_path: on_a_line(_g.path, role_path)),
    and_(_MAY_CLAIM, exists().where(_home.c.id == _caller.c.grid_id, on_a_line(_g.path, _home.c.path))))
_MANAGES = holds("tasks.manage", lambda role_path: _g.path.startswith(role_path))

#: What a claim is answered or refused from: the task, the person's standing and their claims on
#: it, and the claim an earlier request with this request's Idempotency-Key made, on any task.
_CLAIM_FACTS = (
    select(_t.id, _t.title, _t.grid_id, _t.deadline, _t.points, _t.slots, (_t.taken >= _t.slots).label("full"),
           select(_cl.status).where(_cl.task_id == _t.id, _cl.user_id == bindparam("uid"), _cl.status != "released")
           .scalar_subquery().label("held"),
           exists().where(_cl.task_id == _t.id, _cl.user_id == bindparam("uid")).label("ever_claimed"),
           _keyed.c.id.label("keyed_id"), _keyed.c.task_id.label("keyed_task_id"),
           _caller.c.id.is_not(None).label("holds_token"), _caller.c.real_name, _caller.c.nickname,
           _MAY_CLAIM.label("may_claim"), _ON_THE_MEMBERS_LINE.label("on_line"), _MANAGES.label("manages"))
    .select_from(_tasks.join(_grids, _g.id == _t.grid_id).outerjoin(_caller, holds_token(_caller))
                 .outerjoin(_keyed, and_(_keyed.c.user_id == bindparam("uid"),
                                         _keyed.c.client_key == bindparam("client_key", type_=String))))
    .where(_t.id == bindparam("task_id"))
)
#: Without a task to ask about: the token still held, and the capability.
_STANDING = select(HOLDS_TOKEN.label("holds_token"), _MAY_CLAIM.label("may_claim"))

#: Take the slot of the claim just inserted (SQLite's step of the claim). As on PostgreSQL it does
#: not ask whether one is left: the ``taken_within_slots`` CHECK holds the count.
_TAKE_SLOT = update(_tasks).where(_t.id == bindparam("task_id")).values(taken=_t.taken + 1)


@functools.cache
def _insert_claim(dialect_name: str):
    """The claim, when a slot is left (as this statement sees it), the deadline is ahead, the task is
    on the member's line, they hold none of its slots yet, their key is on no claim, and they still
    hold the token. The unique indexes (one slot-holding claim per member and task, one claim per
    member and key) turn a racing twin's into nothing."""
    row = (select(_t.id, bindparam("uid", type_=Integer), literal("claimed"), bindparam("now", type_=UTCDateTime()),
                  bindparam("client_key", type_=String))
           .select_from(_tasks.join(_grids, _g.id == _t.grid_id).join(_caller, holds_token(_caller)))
           .where(_t.id == bindparam("task_id"), _t.taken < _t.slots,
                  _t.deadline > bindparam("now", type_=UTCDateTime()), _ON_THE_MEMBERS_LINE,
                  ~exists().where(_cl.task_id == _t.id, _cl.user_id == bindparam("uid"), _cl.status != "released"),
                  ~exists().where(_cl.user_id == bindparam("uid"),
                                  _cl.client_key == bindparam("client_key", type_=String))))
    return (dialect_insert(_claims, dialect_name)
            .from_select(["task_id", "user_id", "status", "claimed_at", "client_key"], row)
            .on_conflict_do_nothing().returning(_cl.id))


@functools.cache
def _claim_statement():
    """PostgreSQL: the whole claim in one statement, run on its own (autocommit): the claim inserted
    when the member may have a slot, the slot taken only if it was, and the facts in the same row.
    The slot's UPDATE asks no "is one left": when racing claims took the last slots after this one
    read the task, it breaks the ``taken_within_slots`` CHECK and the whole statement is undone."""
    claim = _insert_claim("postgresql").cte("claim")
    slot = (update(_tasks).where(_t.id == bindparam("task_id"), exists(select(claim.c.id)))
            .values(taken=_t.taken + 1).returning(_t.id).cte("slot"))
    return _CLAIM_FACTS.outerjoin(claim, true()).add_columns(claim.c.id.label("claim_id")).add_cte(slot)


def _claim_once(params: dict) -> dict | None:
    """PostgreSQL: one statement and no transaction around it, so no BEGIN or COMMIT round trips."""
    row = single_statement_connection().execute(_claim_statement(), params).one_or_none()
    return row and dict(row._mapping)


def _claim_in_steps(params: dict) -> dict | None:
    """SQLite, which has no data-modifying CTEs: the same claim as ``_claim_statement``, in steps of
    the request's transaction."""
    connection = db.session.connection()
    claim_id = connection.execute(_insert_claim("sqlite"), params).scalar()
    if claim_id is not None:
        connection.execute(_TAKE_SLOT, params)
    facts = connection.execute(_CLAIM_FACTS, params).one_or_none()
    return facts and {**facts._mapping, "claim_id": claim_id}


def _claim(params: dict) -> dict | None:
    """The claim's facts (None: no such task). Beaten to the last slot by racing claims that took it
    after this one read the task, the claim changed nothing, and the facts read again say it is full."""
    claim_in = _claim_once if db.session.get_bind().dialect.name == "postgresql" else _claim_in_steps
    try:
        return claim_in(params)
    except IntegrityError as error:
        if "taken_within_slots" not in str(error.orig):
            raise
        db.session.rollback()
        return {**single_statement_connection().execute(_CLAIM_FACTS, params).one()._mapping, "claim_id": None}


def claim_task(caller: TokenCaller, task_id: int, client_key: str | None = None) -> tuple[TaskClaim, bool]:
    """Take one slot for the token's holder (a ``User`` serves too); one statement on PostgreSQL,
    the person checked in it, whether it is won, refused or a retry (``_claim_statement``). Returns
    (the claim, whether it is the one an earlier request with ``client_key``, the request's
    Idempotency-Key, made: a retry gets it back)."""
    now = utcnow()
    params = {"task_id": task_id, "uid": caller.id, "token_version": caller.token_version, "now": now,
              "client_key": client_key}
    facts = _claim(params)
    if facts is None:
        _refuse_standing(db.session.execute(_STANDING, params).one()._mapping)
        raise NotFound("微事项")
    _refuse_standing(facts)
    if facts["claim_id"] is not None:
        return _new_claim(caller, facts, now), False
    if _claimable(facts, now):  # a racing tap of the same member made its claim after this statement began
        facts = db.session.connection().execute(_CLAIM_FACTS, params).one()._mapping
    if facts["keyed_id"] is not None:
        return _keyed_claim(facts, task_id), True
    raise _why_not_claimable(facts, now)


def _refuse_standing(facts) -> None:
    """As authentication and ``@access("tasks.claim")`` would have refused the person."""
    if not facts["holds_token"]:
        raise token_revoked()
    if not facts["may_claim"]:
        raise Forbidden()


def _claimable(facts, now: datetime) -> bool:
    return (facts["on_line"] and not facts["full"] and facts["deadline"] > now and facts["held"] is None
            and facts["keyed_id"] is None)


def _keyed_claim(facts, task_id: int) -> TaskClaim:
    if facts["keyed_task_id"] != task_id:
        raise key_reused()
    return db.session.get(TaskClaim, facts["keyed_id"])


def _new_claim(caller, facts, now: datetime) -> TaskClaim:
    """The claim just inserted, built from what is in hand rather than read back."""
    task = Task(id=facts["id"], title=facts["title"], grid_id=facts["grid_id"], deadline=facts["deadline"],
                points=facts["points"])
    member = User(id=caller.id, real_name=facts["real_name"], nickname=facts["nickname"])
    claim = TaskClaim(id=facts["claim_id"], task_id=task.id, user_id=caller.id, status="claimed", claimed_at=now,
                      note="", reject_reason="")
    for name, value in (("task", task), ("user", member), ("photos", [])):
        set_committed_value(claim, name, value)
    return claim


def _why_not_claimable(facts, now: datetime) -> DomainError:
    if not (facts["on_line"] or facts["ever_claimed"] or facts["manages"]):
        return NotFound("微事项")
    if facts["held"] == "verified":
        return Conflict("already_claimed", "您已完成这个微事项，不能重复认领")
    if facts["held"] is not None:
        return Conflict("already_claimed", "您已认领过这个微事项")
    if facts["deadline"] <= now:
        return Conflict("task_closed", "这个微事项已过截止时间，不能再认领")
    if not facts["on_line"]:
        return Forbidden("只能认领本人所在网格的微事项", "not_in_grid")
    return Conflict("task_full", "名额已被认领完了，看看其他微事项吧", details={"slots": facts["slots"]})


def _locked_claim(task_id: int, claim_id: int) -> TaskClaim | None:
    """The claim with its row locked (PostgreSQL) and re-read, so racing changes queue up."""
    return db.session.scalar(
        select(TaskClaim).where(TaskClaim.id == claim_id, TaskClaim.task_id == task_id)
        .with_for_update(of=TaskClaim).execution_options(populate_existing=True)
    )


def _own_claim(member, task_id: int, claim_id: int) -> TaskClaim:
    claim = _locked_claim(task_id, claim_id)
    if claim is None or claim.user_id != member.id:
        raise NotFound("认领记录")
    return claim


def get_claim(user, task_id: int, claim_id: int) -> TaskClaim:
    """One claim, for its claimant and the task's leaders."""
    claim = db.session.get(TaskClaim, claim_id)
    if claim is None or claim.task_id != task_id or not (claim.user_id == user.id or can_manage(user, claim.task)):
        raise NotFound("认领记录")
    return claim


def _managed_claim(leader, task_id: int, claim_id: int) -> TaskClaim:
    get_managed_task(leader, task_id)
    claim = _locked_claim(task_id, claim_id)
    if claim is None:
        raise NotFound("认领记录")
    return claim


def release_claim(member, task_id: int, claim_id: int) -> TaskClaim:
    """Give the slot back before the deadline; a repeated tap changes nothing more."""
    claim = _own_claim(member, task_id, claim_id)
    now = utcnow()
    if claim.status == "released":
        return claim
    if claim.status == "verified":
        raise Conflict("claim_verified", "已验收的认领不能放弃")
    if claim.task.deadline <= now:
        raise Conflict("task_closed", "已过截止时间，不能再放弃认领")
    claim.release(now)
    db.session.execute(update(Task).where(Task.id == task_id, Task.taken > 0).values(taken=Task.taken - 1),
                       execution_options={"synchronize_session": False})
    db.session.expire(claim.task, ["taken"])
    return claim


def submit_proof(member, task_id: int, claim_id: int, note: str, photo_ids: list[int]) -> TaskClaim:
    claim = _own_claim(member, task_id, claim_id)
    now = utcnow()
    status = claim.status_at(now)
    if status == "expired":
        raise Conflict("claim_expired", "已过截止时间，这次认领已失效")
    if status == "submitted":
        raise Conflict("already_submitted", "已提交，请等待网格长验收")
    if status != "claimed":
        raise Conflict("claim_not_open", "这次认领已结束，不能再提交")
    task, note = claim.task, note.strip()
    if task.proof_photo and not photo_ids:
        raise DomainError("proof_photo_required", "请上传完成情况的照片", 422)
    if task.proof_note and not note:
        raise DomainError("proof_note_required", "请写几句完成情况", 422)
    if not note and not photo_ids:
        raise DomainError("proof_required", "请拍照或写几句完成情况", 422)
    claim.submit(note, owned_uploads(member, photo_ids), now)
    return claim


def verify_claim(leader, task_id: int, claim_id: int, approved: bool, reason: str = "") -> TaskClaim:
    """Approve (award the task's points, once) or send back with a reason for a new submission."""
    claim = _managed_claim(leader, task_id, claim_id)
    if claim.user_id == leader.id:
        raise Forbidden("不能验收自己认领的微事项", "cannot_verify_own")
    if approved and claim.status == "verified":
        return claim  # a second leader, or a second tap: the points were awarded the first time
    if claim.status != "submitted":
        raise Conflict("claim_not_submitted", "该认领还没有待验收的完成凭证")
    now = utcnow()
    if not approved:
        if not (reason or "").strip():
            raise DomainError("reason_required", "退回时请说明原因", 422)
        claim.send_back(reason.strip(), now)
        return claim
    claim.verify(leader, now)
    award_points(claim.user, claim.task.points, "task", claim.task.grid, source_id=claim.id,
                 granted_by=leader, note=claim.task.title)
    return claim


# --- lists of claims ---------------------------------------------------------

def _effective_status(now: datetime):
    return case((and_(TaskClaim.status == "claimed", Task.deadline <= now), "expired"), else_=TaskClaim.status)


def _claims_query(status: str | None):
    query = select(TaskClaim).join(TaskClaim.task).options(contains_eager(TaskClaim.task))
    if status:
        query = query.where(_effective_status(utcnow()) == status)
    return query


def task_claims_query(task: Task, status: str | None):
    return _claims_query(status).where(TaskClaim.task_id == task.id).order_by(TaskClaim.id)


def my_claims_query(member, status: str | None):
    return _claims_query(status).where(TaskClaim.user_id == member.id).order_by(TaskClaim.id.desc())


def managed_claims_query(leader, status: str | None, grid: Grid | None):
    """Claims on tasks in the leader's subtree (or one grid's part of it), soonest task deadline first."""
    scopes = capability_scopes(leader, "tasks.manage")
    if not scopes:
        raise Forbidden("只有网格长可以查看认领记录")
    query = (
        _claims_query(status).join(Task.grid)
        .where(or_(*(Grid.path.startswith(scope.path) for scope in scopes)))
        .order_by(Task.deadline, TaskClaim.id)
    )
    return query.where(Grid.path.startswith(grid.path)) if grid is not None else query


# --- expiry ------------------------------------------------------------------

def expire_claims(now: datetime | None = None) -> int:
    """Mark claims left undone past their task's deadline; lists already show them as expired.

    No slot is freed: once the deadline has passed nobody can claim the task anyway.
    """
    now = now or utcnow()
    return db.session.execute(
        update(TaskClaim)
        .where(TaskClaim.status == "claimed", TaskClaim.task_id.in_(select(Task.id).where(Task.deadline <= now)))
        .values(status="expired"),
        execution_options={"synchronize_session": False},
    ).rowcount


# --- catalogue -----------------------------------------------------------------

def catalogue_query(args: dict):
    query = select(CatalogueItem).order_by(CatalogueItem.group, CatalogueItem.code)
    if args.get("group"):
        query = query.where(CatalogueItem.group == args["group"])
    if args.get("q"):
        query = query.where(CatalogueItem.title.contains(args["q"], autoescape=True))
    return query


# --- proof photos for the verifying leader -------------------------------------

def leader_may_see_proof(user, upload) -> bool:
    """A leader over a task's grid may see the proof photos handed in for it."""
    scopes = capability_scopes(user, "tasks.manage")
    if not scopes:
        return False
    paths = db.session.scalars(
        select(Grid.path).join(Task, Task.grid_id == Grid.id).join(TaskClaim, TaskClaim.task_id == Task.id)
        .join(ClaimPhoto, ClaimPhoto.claim_id == TaskClaim.id).where(ClaimPhoto.upload_id == upload.id)
    )
    return any(path.startswith(scope.path) for path in paths for scope in scopes)


ACCESS_CHECKS.append(leader_may_see_proof)

