import marshmallow as ma

from backend.core.masking import mask_phone
from backend.grids.schemas import GridRefSchema


class CodedGridRefSchema(GridRefSchema):
    """Where people and roles point: with the code leaders know grids by."""

    code = ma.fields.String()


class LoginArgs(ma.Schema):
    code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=128))


class PhoneArgs(ma.Schema):
    code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=128))


class HomeGridArgs(ma.Schema):
    grid_id = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1))


class RoleSchema(ma.Schema):
    role = ma.fields.String()
    party_kind = ma.fields.String(allow_none=True)
    grid = ma.fields.Nested(CodedGridRefSchema)
    member_unit = ma.fields.Function(
        lambda r: {"id": r.member_unit.id, "name": r.member_unit.name} if r.member_unit else None
    )


class MeSchema(ma.Schema):
    id = ma.fields.Integer()
    nickname = ma.fields.String()
    real_name = ma.fields.String()
    phone_masked = ma.fields.Function(lambda u: mask_phone(u.phone))
    grid = ma.fields.Nested(CodedGridRefSchema, allow_none=True)
    roles = ma.fields.List(ma.fields.Nested(RoleSchema))


class LoginResultSchema(ma.Schema):
    access_token = ma.fields.String(required=True)
    expires_in = ma.fields.Integer(required=True)
    user = ma.fields.Nested(MeSchema, required=True)
