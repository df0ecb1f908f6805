import marshmallow as ma

from backend.core.api import MAX_ID, PageArgs
from backend.core.masking import mask_name
from backend.core.timeutil import LocalDateTime
from backend.points.models import SOURCE_NAMES


class PointEntrySchema(ma.Schema):
    id = ma.fields.Integer()
    points = ma.fields.Integer()
    source = ma.fields.String()
    source_name = ma.fields.Function(lambda e: SOURCE_NAMES[e.source], required=True)
    source_id = ma.fields.Integer(allow_none=True)
    note = ma.fields.String()
    #: The leader who verified the task or made the adjustment; None for automatic awards.
    granted_by = ma.fields.Function(lambda e: {"id": e.granted_by.id, "name": e.granted_by.display_name}
                                    if e.granted_by else None)
    created_at = LocalDateTime()


class MyPointsSchema(ma.Schema):
    balance = ma.fields.Integer(required=True)
    items = ma.fields.List(ma.fields.Nested(PointEntrySchema), required=True)
    total = ma.fields.Integer(required=True)
    page = ma.fields.Integer()
    page_size = ma.fields.Integer()


class RankingArgs(ma.Schema):
    grid_id = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=MAX_ID))
    period = ma.fields.String(load_default="month", validate=ma.validate.OneOf(["month", "year", "all"]))


class RankingEntrySchema(ma.Schema):
    #: Equal totals share a rank.
    rank = ma.fields.Integer()
    points = ma.fields.Integer()
    #: The name is masked (王*华): rankings are seen by everyone in the grid.
    user = ma.fields.Function(lambda r: {"id": r["user_id"], "name": mask_name(r["name"])})


class RankingSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(RankingEntrySchema), required=True)
    total = ma.fields.Integer(required=True)
    period = ma.fields.String()


class AdjustArgs(ma.Schema):
    user_id = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=MAX_ID))
    grid_id = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=MAX_ID))
    points = ma.fields.Integer(required=True, validate=ma.validate.Range(min=-1000, max=1000))
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))


MyPointsArgs = PageArgs
