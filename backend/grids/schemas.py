import marshmallow as ma

from backend.core.masking import mask_phone


class GridListArgs(ma.Schema):
    parent_id = ma.fields.Integer(validate=ma.validate.Range(min=1))
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=10_000))
    page_size = ma.fields.Integer(load_default=100, validate=ma.validate.Range(min=1, max=200))


class MemberUnitSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    name = ma.fields.String()


class LeaderSchema(ma.Schema):
    name = ma.fields.String(attribute="leader_name")
    phone_masked = ma.fields.Function(lambda g: mask_phone(g.leader_phone))


class GridSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
    level = ma.fields.Integer()
    level_name = ma.fields.String()
    kind = ma.fields.String()
    parent_id = ma.fields.Integer(allow_none=True)
    has_children = ma.fields.Boolean()
    party_org = ma.fields.Function(lambda g: {"type": g.party_org_type, "name": g.party_org_name})
    leader = ma.fields.Function(lambda g: LeaderSchema().dump(g))


class GridDetailSchema(GridSchema):
    member_units = ma.fields.List(ma.fields.Nested(MemberUnitSchema))
    ancestors = ma.fields.List(ma.fields.Nested(lambda: GridRefSchema()))
    boundary = ma.fields.Raw(allow_none=True)


class GridRefSchema(ma.Schema):
    """A grid where another object names it: enough to show and to link."""

    id = ma.fields.Integer()
    name = ma.fields.String()
    level = ma.fields.Integer()


class GridStatsSchema(ma.Schema):
    grid = ma.fields.Nested(GridRefSchema, required=True)
    #: One section per domain (grids, reports, party, tasks, points …), each a dict of figures.
    sections = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Dict(), required=True)
