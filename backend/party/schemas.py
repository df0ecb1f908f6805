import marshmallow as ma

from backend.core.api import PageArgs
from backend.core.masking import mask_phone
from backend.core.timeutil import LocalDateTime
from backend.core.validation import PLAIN, TEXT, Trimmed
from backend.grids.schemas import GridRefSchema
from backend.party.models import ACTIVITY_KINDS, REGISTRATION_STATUS_NAMES, REGISTRATION_STATUSES

def _line(max_length: int, **kwargs):
    return Trimmed(validate=[ma.validate.Length(min=1, max=max_length), PLAIN], **kwargs)


_label = _line(20)


class RegistrationArgs(ma.Schema):
    employer_org = _line(100, required=True)
    employer_party_org = _line(100, required=True)
    grid_id = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1))
    skills = ma.fields.List(_label, load_default=list, validate=ma.validate.Length(max=20))
    available_times = ma.fields.List(_label, load_default=list, validate=ma.validate.Length(max=10))

    @ma.post_load
    def _strip(self, data, **kwargs):
        data["employer_org"], data["employer_party_org"] = data["employer_org"].strip(), data["employer_party_org"].strip()
        if not data["employer_org"] or not data["employer_party_org"]:
            raise ma.ValidationError("请填写工作单位及其党组织", "employer_org")
        return data


class RegistrationListArgs(PageArgs):
    mine = ma.fields.Boolean(load_default=False)
    status = ma.fields.String(validate=ma.validate.OneOf(REGISTRATION_STATUSES))
    grid_id = ma.fields.Integer(validate=ma.validate.Range(min=1))


class RejectArgs(ma.Schema):
    reason = ma.fields.String(required=True, validate=[ma.validate.Length(min=1, max=200), TEXT])


def _person(user) -> dict:
    return {"id": user.id, "name": user.display_name, "phone_masked": mask_phone(user.phone)}


class RegistrationSchema(ma.Schema):
    id = ma.fields.Integer()
    user = ma.fields.Function(lambda r: _person(r.user))
    grid = ma.fields.Nested(GridRefSchema)
    employer_org = ma.fields.String()
    employer_party_org = ma.fields.String()
    skills = ma.fields.List(ma.fields.String())
    available_times = ma.fields.List(ma.fields.String())
    status = ma.fields.String()
    status_name = ma.fields.Function(lambda r: REGISTRATION_STATUS_NAMES[r.status])
    reject_reason = ma.fields.String()
    created_at = LocalDateTime()
    decided_at = LocalDateTime(allow_none=True)
    decided_by = ma.fields.Function(lambda r: {"id": r.decided_by.id, "name": r.decided_by.display_name} if r.decided_by else None)


class OwnRegistrationSchema(RegistrationSchema):
    """A member's own registration, without the people fields."""

    class Meta:
        exclude = ("user", "decided_by")


class GeoPointSchema(ma.Schema):
    lat = ma.fields.Float(required=True, validate=ma.validate.Range(min=-90, max=90))
    lng = ma.fields.Float(required=True, validate=ma.validate.Range(min=-180, max=180))


class ActivityArgs(ma.Schema):
    grid_id = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1))
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(list(ACTIVITY_KINDS)))
    title = _line(64, required=True)
    description = ma.fields.String(load_default="", validate=[ma.validate.Length(max=2000), TEXT])
    place = ma.fields.String(load_default="", validate=[ma.validate.Length(max=100), PLAIN])
    location = ma.fields.Nested(GeoPointSchema, allow_none=True, load_default=None)
    checkin_radius_m = ma.fields.Integer(allow_none=True, load_default=None, validate=ma.validate.Range(min=30, max=5000))
    starts_at = LocalDateTime(required=True)
    ends_at = LocalDateTime(required=True)
    capacity = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=100_000))
    service_hours = ma.fields.Float(load_default=0, validate=ma.validate.Range(min=0, max=24))
    points = ma.fields.Integer(load_default=0, validate=ma.validate.Range(min=0, max=100))

    @ma.validates_schema
    def _consistent(self, data, **kwargs):
        if "starts_at" in data and "ends_at" in data:
            if data["ends_at"] <= data["starts_at"]:
                raise ma.ValidationError("结束时间须晚于开始时间", "ends_at")
            if (data["ends_at"] - data["starts_at"]).days >= 7:
                raise ma.ValidationError("一场活动最长 7 天", "ends_at")
        if data.get("checkin_radius_m") and not data.get("location"):
            raise ma.ValidationError("设置签到范围时须同时设置活动地点坐标", "location")


class ActivityListArgs(PageArgs):
    grid_id = ma.fields.Integer(validate=ma.validate.Range(min=1))
    when = ma.fields.String(load_default="upcoming", validate=ma.validate.OneOf(["upcoming", "past", "all"]))


def _location(activity) -> dict | None:
    return None if activity.lat is None else {"lat": activity.lat, "lng": activity.lng}


class ActivitySchema(ma.Schema):
    id = ma.fields.Integer()
    grid = ma.fields.Nested(GridRefSchema)
    kind = ma.fields.String()
    kind_name = ma.fields.String()
    title = ma.fields.String()
    place = ma.fields.String()
    location = ma.fields.Function(_location)
    checkin_radius_m = ma.fields.Integer(allow_none=True)
    starts_at = LocalDateTime()
    ends_at = LocalDateTime()
    capacity = ma.fields.Integer()
    checked_in = ma.fields.Integer()
    service_hours = ma.fields.Float()
    points = ma.fields.Integer()


class CheckinSchema(ma.Schema):
    id = ma.fields.Integer()
    activity = ma.fields.Function(lambda c: {"id": c.activity_id, "title": c.activity_title})
    checked_in_at = LocalDateTime()
    checked_out_at = LocalDateTime(allow_none=True)
    service_hours = ma.fields.Float(allow_none=True)
    via = ma.fields.String()
    within_radius = ma.fields.Boolean(allow_none=True)
    distance_band = ma.fields.String(allow_none=True)
    repeat = ma.fields.Boolean()


class ActivityDetailSchema(ActivitySchema):
    description = ma.fields.String()
    can_manage = ma.fields.Boolean()
    my_checkin = ma.fields.Nested(CheckinSchema, allow_none=True)


class CheckinCodeSchema(ma.Schema):
    token = ma.fields.String(required=True)
    expires_in = ma.fields.Integer(required=True, metadata={"description": "秒：到期前换下一个签到码"})
    valid_for = ma.fields.Integer(metadata={"description": "秒：本码仍被接受的时间（含一个周期的余量）"})
    step_seconds = ma.fields.Integer()


class CheckinArgs(ma.Schema):
    token = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))
    location = ma.fields.Nested(GeoPointSchema, allow_none=True, load_default=None)
    #: The activity the member means to attend, when the client knows it: a code of another is refused.
    activity_id = ma.fields.Integer(allow_none=True, load_default=None, validate=ma.validate.Range(min=1))


class ReportArgs(ma.Schema):
    employer_party_org = _line(100)
    from_ = ma.fields.Date(data_key="from")
    to = ma.fields.Date()


class MyReportArgs(ma.Schema):
    from_ = ma.fields.Date(data_key="from")
    to = ma.fields.Date()


class ReportCheckinSchema(ma.Schema):
    id = ma.fields.Integer()
    activity = ma.fields.Dict()
    grid_name = ma.fields.String()
    checked_in_at = LocalDateTime()
    checked_out_at = LocalDateTime(allow_none=True)
    service_hours = ma.fields.Float()
    points = ma.fields.Integer()


class ReportRegistrationSchema(ma.Schema):
    id = ma.fields.Integer()
    status = ma.fields.String()
    status_name = ma.fields.String()
    created_at = LocalDateTime()
    decided_at = LocalDateTime(allow_none=True)


class ReportMemberSchema(ma.Schema):
    member = ma.fields.Dict()
    employer_org = ma.fields.String()
    employer_party_org = ma.fields.String()
    grid = ma.fields.Dict()
    registration = ma.fields.Nested(lambda: ReportRegistrationSchema())
    activities = ma.fields.Integer()
    service_hours = ma.fields.Float()
    points = ma.fields.Integer()
    checkins = ma.fields.List(ma.fields.Nested(ReportCheckinSchema))


class ReportTotalsSchema(ma.Schema):
    activities = ma.fields.Integer()
    service_hours = ma.fields.Float()
    points = ma.fields.Integer()


class ReportSchema(ma.Schema):
    employer_party_org = ma.fields.String(allow_none=True)
    from_ = ma.fields.Date(data_key="from", attribute="from")
    to = ma.fields.Date()
    members = ma.fields.List(ma.fields.Nested(ReportMemberSchema))
    total = ma.fields.Integer()
    totals = ma.fields.Nested(ReportTotalsSchema)


class MyReportSchema(ma.Schema):
    from_ = ma.fields.Date(data_key="from", attribute="from")
    to = ma.fields.Date()
    registrations = ma.fields.List(ma.fields.Nested(OwnRegistrationSchema))
    checkins = ma.fields.List(ma.fields.Nested(ReportCheckinSchema))
    activities = ma.fields.Integer()
    service_hours = ma.fields.Float()
    points = ma.fields.Integer()
