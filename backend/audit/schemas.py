import marshmallow as ma

from backend.core.api import PageArgs
from backend.core.timeutil import LocalDateTime


class AuditArgs(PageArgs):
    action = ma.fields.String(validate=ma.validate.Length(max=48))


class AuditEntrySchema(ma.Schema):
    id = ma.fields.Integer()
    actor_id = ma.fields.Integer(allow_none=True)
    action = ma.fields.String()
    target_type = ma.fields.String()
    target_id = ma.fields.Integer(allow_none=True)
    detail = ma.fields.Dict()
    ip = ma.fields.String()
    created_at = LocalDateTime()
