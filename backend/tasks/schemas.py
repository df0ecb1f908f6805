import marshmallow as ma
from flask import g

from backend.core.api import MAX_ID, PageArgs
from backend.core.db import utcnow
from backend.core.timeutil import LocalDateTime
from backend.core.validation import PLAIN, TEXT, Trimmed
from backend.grids.schemas import GridRefSchema
from backend.tasks.models import CATALOGUE_GROUPS, CLAIM_STATES, PROOF_KINDS
from backend.uploads.services import describe

TASK_STATUSES = ("open", "full", "closed")
MAX_PHOTOS = 9


def _distinct(ids: list[int]) -> None:
    if len(set(ids)) != len(ids):
        raise ma.ValidationError("照片不能重复")


class TaskCreateArgs(ma.Schema):
    #: Required unless the task comes from a report (then the report's grid is the default).
    grid_id = ma.fields.Integer(validate=ma.validate.Range(min=1, max=MAX_ID))
    #: Publish from the street's catalogue; given fields override the item's.
    catalogue_item_id = ma.fields.Integer(validate=ma.validate.Range(min=1, max=MAX_ID))
    #: Publish to fix a 随手拍 report the leader handles; its text fills title and description.
    report_id = ma.fields.Integer(validate=ma.validate.Range(min=1, max=MAX_ID))
    title = Trimmed(validate=[ma.validate.Length(max=100), PLAIN])
    description = ma.fields.String(validate=[ma.validate.Length(max=2000), TEXT])
    slots = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=1000))
    deadline = ma.fields.AwareDateTime(required=True)
    points = ma.fields.Integer(validate=ma.validate.Range(min=1, max=100))
    proof_required = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(PROOF_KINDS)), validate=ma.validate.Length(min=1, max=2)
    )


class TaskListArgs(PageArgs):
    grid_id = ma.fields.Integer(validate=ma.validate.Range(min=1, max=MAX_ID))
    status = ma.fields.String(validate=ma.validate.OneOf(TASK_STATUSES))
    #: Only tasks I have claimed (with my claim's status).
    mine = ma.fields.Boolean(load_default=False)


class ClaimListArgs(PageArgs):
    #: My own claims; without it, a leader's view of the claims in their subtree.
    mine = ma.fields.Boolean(load_default=False)
    status = ma.fields.String(validate=ma.validate.OneOf(CLAIM_STATES))
    grid_id = ma.fields.Integer(validate=ma.validate.Range(min=1, max=MAX_ID))


class TaskClaimListArgs(PageArgs):
    status = ma.fields.String(validate=ma.validate.OneOf(CLAIM_STATES))


class SubmitArgs(ma.Schema):
    note = ma.fields.String(load_default="", validate=[ma.validate.Length(max=1000), TEXT])
    photo_ids = ma.fields.List(
        ma.fields.Integer(validate=ma.validate.Range(min=1, max=MAX_ID)), load_default=list,
        validate=[ma.validate.Length(max=MAX_PHOTOS, error=f"最多 {MAX_PHOTOS} 张照片"), _distinct],
    )


class VerifyArgs(ma.Schema):
    approved = ma.fields.Boolean(required=True)
    #: Required when sending the proof back.
    reason = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))


class CatalogueArgs(PageArgs):
    group = ma.fields.String(validate=ma.validate.OneOf(CATALOGUE_GROUPS))
    q = ma.fields.String(validate=ma.validate.Length(min=1, max=50))


class CatalogueItemSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    group = ma.fields.String()
    title = ma.fields.String()
    description = ma.fields.String()
    points = ma.fields.Integer()
    proof_required = ma.fields.List(ma.fields.String())


class CatalogueRefSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    group = ma.fields.String()


class ClaimBriefSchema(ma.Schema):
    id = ma.fields.Integer()
    status = ma.fields.String()
    reject_reason = ma.fields.String()


class TaskBriefSchema(ma.Schema):
    id = ma.fields.Integer()
    title = ma.fields.String()
    grid_id = ma.fields.Integer()
    deadline = LocalDateTime()
    points = ma.fields.Integer()


class ClaimSchema(ma.Schema):
    id = ma.fields.Integer()
    task_id = ma.fields.Integer()
    task = ma.fields.Nested(TaskBriefSchema)
    #: claimed, submitted, verified, released or expired (a claim left undone past the deadline).
    status = ma.fields.Function(lambda c: c.status_at(utcnow()))
    member = ma.fields.Function(lambda c: {"id": c.user_id, "name": c.user.display_name})
    member_name = ma.fields.Function(lambda c: c.user.display_name)
    note = ma.fields.String()
    photos = ma.fields.Function(lambda c: [describe(p.upload, g.user) for p in c.photos])
    #: The leader's reason the last time the proof was sent back.
    reject_reason = ma.fields.String()
    claimed_at = LocalDateTime()
    submitted_at = LocalDateTime(allow_none=True)
    rejected_at = LocalDateTime(allow_none=True)
    verified_at = LocalDateTime(allow_none=True)
    released_at = LocalDateTime(allow_none=True)


class TaskSchema(ma.Schema):
    id = ma.fields.Integer()
    title = ma.fields.String()
    description = ma.fields.String()
    grid = ma.fields.Nested(GridRefSchema)
    slots = ma.fields.Integer()
    taken = ma.fields.Integer()
    remaining = ma.fields.Integer()
    deadline = LocalDateTime()
    points = ma.fields.Integer()
    proof_required = ma.fields.List(ma.fields.String())
    #: open (claimable), full (every slot taken) or closed (deadline passed).
    status = ma.fields.Function(lambda t: t.status_at(utcnow()))
    catalogue_item = ma.fields.Nested(CatalogueRefSchema, allow_none=True)
    report_id = ma.fields.Integer(allow_none=True)
    created_at = LocalDateTime()
    my_claim = ma.fields.Nested(ClaimBriefSchema, allow_none=True)


class TaskDetailSchema(TaskSchema):
    my_claim = ma.fields.Nested(ClaimSchema, allow_none=True)
    #: For the task's leaders: every claim still holding a slot.
    claims = ma.fields.List(ma.fields.Nested(ClaimSchema))
