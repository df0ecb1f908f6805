import marshmallow as ma

from backend.core.timeutil import LocalDateTime


class InboxItemSchema(ma.Schema):
    kind = ma.fields.String(required=True)
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    grid = ma.fields.Function(lambda item: {"id": item.grid_id, "name": item.grid_name})
    status = ma.fields.String()
    deadline = LocalDateTime(allow_none=True)
    overdue = ma.fields.Boolean()
    path = ma.fields.String()


class InboxSchema(ma.Schema):
    """The contract's list envelope (page_of's shape), keeping this schema's name in the OpenAPI document."""

    items = ma.fields.List(ma.fields.Nested(InboxItemSchema), required=True)
    total = ma.fields.Integer(required=True)
    page = ma.fields.Integer()
    page_size = ma.fields.Integer()
