import marshmallow as ma

from backend.core.api import MAX_ID, PageArgs
from backend.core.timeutil import LocalDateTime
from backend.grids.schemas import GridRefSchema
from backend.reports.models import STATUS_NAMES, USER_ACTIONS

MAX_PHOTOS = 9


def _not_blank(text: str) -> None:
    if not text.strip():
        raise ma.ValidationError("不能为空")


def _distinct(ids: list[int]) -> None:
    if len(set(ids)) != len(ids):
        raise ma.ValidationError("照片不能重复")


def _id(**kwargs) -> ma.fields.Integer:
    return ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=MAX_ID), **kwargs)


def _photo_ids(min_count: int = 0, **kwargs) -> ma.fields.List:
    return ma.fields.List(_id(), validate=[ma.validate.Length(min=min_count, max=MAX_PHOTOS), _distinct], **kwargs)


# --- in -------------------------------------------------------------------------------------


class ReportLocationSchema(ma.Schema):
    lat = ma.fields.Float(required=True, allow_nan=False, validate=ma.validate.Range(min=-90, max=90))
    lng = ma.fields.Float(required=True, allow_nan=False, validate=ma.validate.Range(min=-180, max=180))
    address = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))


class ReportCreateArgs(ma.Schema):
    category = ma.fields.String(required=True, validate=ma.validate.Length(max=32))
    description = ma.fields.String(required=True, validate=[ma.validate.Length(max=500), _not_blank])
    location = ma.fields.Nested(ReportLocationSchema, required=True)
    photo_ids = _photo_ids(min_count=1, required=True)
    anonymous = ma.fields.Boolean(load_default=False)


class ReportListArgs(PageArgs):
    mine = ma.fields.Boolean(load_default=False)
    grid_id = ma.fields.Integer(validate=ma.validate.Range(min=1, max=MAX_ID))
    status = ma.fields.String(validate=ma.validate.OneOf(list(STATUS_NAMES)))


class ReportNearbyArgs(ma.Schema):
    lat = ma.fields.Float(required=True, allow_nan=False, validate=ma.validate.Range(min=-90, max=90))
    lng = ma.fields.Float(required=True, allow_nan=False, validate=ma.validate.Range(min=-180, max=180))
    category = ma.fields.String(required=True, validate=ma.validate.Length(max=32))


class ReportActionArgs(ma.Schema):
    action = ma.fields.String(required=True, validate=ma.validate.OneOf(USER_ACTIONS))
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))
    member_unit_id = _id(allow_none=True, load_default=None)
    assignee_id = _id(allow_none=True, load_default=None)
    photo_ids = _photo_ids(load_default=list)


class ReportRatingArgs(ma.Schema):
    score = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=5))
    comment = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))


class WeChatPushArgs(ma.Schema):
    signature = ma.fields.String(load_default="", validate=ma.validate.Length(max=128))
    timestamp = ma.fields.String(load_default="", validate=ma.validate.Length(max=32))
    nonce = ma.fields.String(load_default="", validate=ma.validate.Length(max=64))


class WeChatPushCheckArgs(WeChatPushArgs):
    echostr = ma.fields.String(load_default="", validate=ma.validate.Length(max=128))


class WeChatPushEventSchema(ma.Schema):
    """WeChat's wxa_media_check push; other fields are ignored."""

    class Meta:
        unknown = ma.EXCLUDE

    Event = ma.fields.String()
    trace_id = ma.fields.String()
    errcode = ma.fields.Integer()
    result = ma.fields.Dict()


# --- out ------------------------------------------------------------------------------------


class ReportCategorySchema(ma.Schema):
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    accept_hours = ma.fields.Float(required=True)
    resolve_hours = ma.fields.Float(required=True)


class ReportCategoryListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ReportCategorySchema), required=True)
    total = ma.fields.Integer(required=True)


class ReportUnitRefSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    name = ma.fields.String()


class ReportPhotoSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    url = ma.fields.String(required=True)
    thumbnail_url = ma.fields.String(required=True)
    #: Content check state (pending/pass/review/risky); shown to the staff and the photo's owner.
    review = ma.fields.String(allow_none=True)


class ReportPersonSchema(ma.Schema):
    name = ma.fields.String()
    phone_masked = ma.fields.String(allow_none=True)


class ReportTimelineEntrySchema(ma.Schema):
    action = ma.fields.String(required=True)
    action_name = ma.fields.String()
    actor_name = ma.fields.String(required=True)
    note = ma.fields.String()
    status = ma.fields.String()
    status_name = ma.fields.String()
    grid = ma.fields.Nested(GridRefSchema, allow_none=True)
    member_unit = ma.fields.Nested(ReportUnitRefSchema, allow_none=True)
    photos = ma.fields.List(ma.fields.Nested(ReportPhotoSchema))
    at = LocalDateTime(required=True)


class ReportRatingSchema(ma.Schema):
    score = ma.fields.Integer()
    level = ma.fields.String()
    level_name = ma.fields.String()
    comment = ma.fields.String()
    at = LocalDateTime()


class ReportSummarySchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    category = ma.fields.String(required=True)
    category_name = ma.fields.String()
    description = ma.fields.String()
    status = ma.fields.String(required=True)
    status_name = ma.fields.String()
    address = ma.fields.String()
    grid = ma.fields.Nested(GridRefSchema)
    anonymous = ma.fields.Boolean()
    mine = ma.fields.Boolean()
    thumbnail_url = ma.fields.String(allow_none=True)
    deadline_at = LocalDateTime(allow_none=True)
    overdue = ma.fields.Boolean()
    follower_count = ma.fields.Integer()
    created_at = LocalDateTime()


class ReportDetailSchema(ReportSummarySchema):
    location = ma.fields.Nested(ReportLocationSchema)
    reporter = ma.fields.Nested(ReportPersonSchema, allow_none=True)
    origin_grid = ma.fields.Nested(GridRefSchema)
    member_unit = ma.fields.Nested(ReportUnitRefSchema, allow_none=True)
    assignee = ma.fields.Nested(ReportPersonSchema, allow_none=True)
    hold_reason = ma.fields.String()
    escalations = ma.fields.Integer()
    accepted_at = LocalDateTime(allow_none=True)
    resolved_at = LocalDateTime(allow_none=True)
    closed_at = LocalDateTime(allow_none=True)
    photos = ma.fields.List(ma.fields.Nested(ReportPhotoSchema))
    timeline = ma.fields.List(ma.fields.Nested(ReportTimelineEntrySchema))
    rating = ma.fields.Nested(ReportRatingSchema, allow_none=True)
    allowed_actions = ma.fields.List(ma.fields.String())


class ReportNearbyItemSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    category = ma.fields.String()
    description = ma.fields.String()
    address = ma.fields.String()
    status = ma.fields.String()
    status_name = ma.fields.String()
    distance_m = ma.fields.Integer(required=True)
    follower_count = ma.fields.Integer()
    mine = ma.fields.Boolean()
    following = ma.fields.Boolean()
    created_at = LocalDateTime()


class ReportNearbyListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ReportNearbyItemSchema), required=True)
    total = ma.fields.Integer(required=True)


class ReportFollowResultSchema(ma.Schema):
    report_id = ma.fields.Integer(required=True)
    follower_count = ma.fields.Integer(required=True)
    following = ma.fields.Boolean(required=True)
