from io import BytesIO

from flask import g, send_file

from backend.audit.services import record_bulk_read
from backend.core.api import LOGIN, TOKEN, Blueprint, access, page_of, paginate
from backend.core.db import db
from backend.core.idempotency import REPLAYED, client_key, idempotent, keyed_on_the_row
from backend.grids.services import get_grid
from backend.party import reports, services
from backend.party.cli import close_activities_command
from backend.party.schemas import (
    ActivityArgs, ActivityDetailSchema, ActivityListArgs, ActivitySchema, CheckinArgs, CheckinCodeSchema,
    CheckinSchema, MyReportArgs, MyReportSchema, RegistrationArgs, RegistrationListArgs, RegistrationSchema,
    RejectArgs, ReportArgs, ReportSchema,
)

blp = Blueprint("party", __name__, description="双报到：在职党员报到、活动与扫码签到、双报告")
blp.cli.add_command(close_activities_command)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ------------------------------------------------------------------ registrations


@blp.route("/party/registrations", methods=["POST"])
@idempotent
@blp.arguments(RegistrationArgs)
@blp.response(201, RegistrationSchema)
@access(LOGIN)
def register(args):
    """在职党员到居住地社区双报到（待网格长审核）"""
    return services.register(g.user, get_grid(args["grid_id"]), args)


@blp.route("/party/registrations", methods=["GET"])
@blp.arguments(RegistrationListArgs, location="query")
@blp.response(200, page_of(RegistrationSchema))
@access(LOGIN)
def list_registrations(args):
    """双报到登记：mine=1 为我的；网格长为所管网格的（可按 status、grid_id 筛选）"""
    grid = get_grid(args["grid_id"]) if args.get("grid_id") else None
    query = services.registrations_query(g.user, args["mine"], args.get("status"), grid)
    page = paginate(query, args, db.session)
    record_bulk_read(g.user, "party.registrations", [r.user_id for r in page["items"]], args)
    return page


@blp.route("/party/registrations/<int:registration_id>", methods=["GET"])
@blp.response(200, RegistrationSchema)
@access(LOGIN)
def get_registration(registration_id):
    """一条双报到登记（本人或所在网格的网格长可见）"""
    return services.get_registration(g.user, registration_id)


@blp.route("/party/registrations/<int:registration_id>/approve", methods=["POST"])
@blp.response(200, RegistrationSchema)
@access("registrations.approve")
def approve_registration(registration_id):
    """网格长通过双报到：登记人成为该网格的在职党员"""
    registration = services.get_registration(g.user, registration_id)
    return services.decide_registration(g.user, registration, approve=True)


@blp.route("/party/registrations/<int:registration_id>/reject", methods=["POST"])
@blp.arguments(RejectArgs)
@blp.response(200, RegistrationSchema)
@access("registrations.approve")
def reject_registration(args, registration_id):
    """网格长驳回双报到（须说明原因）"""
    registration = services.get_registration(g.user, registration_id)
    return services.decide_registration(g.user, registration, approve=False, reason=args["reason"])


# ------------------------------------------------------------------ activities


@blp.route("/activities", methods=["POST"])
@idempotent
@blp.arguments(ActivityArgs)
@blp.response(201, ActivityDetailSchema)
@access("activities.manage")
def create_activity(args):
    """网格长发布活动：志愿服务、主题党日、网格巡查、议事会"""
    return services.create_activity(g.user, get_grid(args["grid_id"]), args)


@blp.route("/activities", methods=["GET"])
@blp.arguments(ActivityListArgs, location="query")
@blp.response(200, page_of(ActivitySchema))
@access(LOGIN)
def list_activities(args):
    """我能参加或管理的活动：默认进行中和即将开始的（when=past 已结束，when=all 全部）"""
    grid = get_grid(args["grid_id"]) if args.get("grid_id") else None
    return paginate(services.activities_query(g.user, args["when"], grid), args, db.session)


@blp.route("/activities/<int:activity_id>", methods=["GET"])
@blp.response(200, ActivityDetailSchema)
@access(LOGIN)
def get_activity(activity_id):
    """活动详情，含我的签到记录"""
    activity = services.get_activity(g.user, activity_id)
    return services.activity_detail(g.user, activity)


@blp.route("/activities/<int:activity_id>/checkin-code", methods=["GET"])
@blp.response(200, CheckinCodeSchema)
@access("activities.manage")
def checkin_code(activity_id):
    """现场亮码：短时有效的签到码，expires_in 秒后换下一个"""
    return services.checkin_code(g.user, services.get_activity(g.user, activity_id))


@blp.route("/activities/<int:activity_id>/poster", methods=["GET"])
@blp.response(200, {"type": "string", "format": "binary"}, content_type="image/png",
              headers={"X-Poster-Kind": {"description": "wxacode：小程序码；qrcode：微信不可用时的普通二维码（在小程序内扫码）",
                                         "schema": {"type": "string"}}})
@access("activities.manage")
def poster(activity_id):
    """活动海报签到码（小程序码，微信不可用时为普通二维码）；仅限设置了签到范围的活动"""
    png, kind = services.poster_png(g.user, services.get_activity(g.user, activity_id))
    response = send_file(BytesIO(png), mimetype="image/png", download_name=f"activity-{activity_id}-poster.png")
    response.headers["X-Poster-Kind"] = kind
    return response


# ------------------------------------------------------------------ check-ins


@blp.route("/checkins", methods=["POST"])
@blp.arguments(CheckinArgs())  # an instance: webargs would build one from the class on every scan
@blp.response(201, CheckinSchema)
@blp.alt_response(200, schema=CheckinSchema, description="已签到过：返回首次签到记录（repeat 为真）")
@blp.doc(**keyed_on_the_row("同一用户重试时使用同一标识：返回首次结果（201），不重复签到"))
@access(TOKEN)
def check_in(args):
    """扫码签到：首次 201，重复扫码 200 并返回同一条记录"""
    record, outcome = services.check_in(g.caller, args["token"], args["location"], client_key(), args["activity_id"])
    return record, 200 if outcome == "repeat" else 201, REPLAYED if outcome == "replayed" else {}


@blp.route("/checkins/<int:checkin_id>/checkout", methods=["POST"])
@blp.response(200, CheckinSchema)
@access(LOGIN)
def check_out(checkin_id):
    """签退：记录服务时长（不超过活动设定的时长）并发放活动积分"""
    return services.check_out(g.user, checkin_id)


# ------------------------------------------------------------------ 双报告


@blp.route("/party/reports", methods=["GET"])
@blp.arguments(ReportArgs, location="query")
@blp.response(200, ReportSchema)
@access("party.report")
def service_report(args):
    """双报告：某单位党组织（或全部）在职党员在所管网格的报到、活动、时长与积分"""
    period = reports.Period.of(args.get("from_"), args.get("to"))
    report = reports.service_report(g.user, period, args.get("employer_party_org"))
    record_bulk_read(g.user, "party.service_report", [m["member"]["id"] for m in report["members"]], args)
    return report


@blp.route("/party/reports.xlsx", methods=["GET"])
@blp.arguments(ReportArgs, location="query")
@blp.response(200, {"type": "string", "format": "binary"}, content_type=XLSX)
@access("party.report")
def service_report_xlsx(args):
    """双报告 Excel 表（汇总、活动明细、说明三页）"""
    period = reports.Period.of(args.get("from_"), args.get("to"))
    report = reports.service_report(g.user, period, args.get("employer_party_org"))
    record_bulk_read(g.user, "party.service_report.xlsx", [m["member"]["id"] for m in report["members"]], args)
    name = f"双报告_{args.get('employer_party_org') or '全部'}_{period.first_day:%Y%m%d}-{period.last_day:%Y%m%d}.xlsx"
    return send_file(BytesIO(reports.report_xlsx(report)), mimetype=XLSX, as_attachment=True, download_name=name)


@blp.route("/party/me/report", methods=["GET"])
@blp.arguments(MyReportArgs, location="query")
@blp.response(200, MyReportSchema)
@access(LOGIN)
def my_report(args):
    """我的双报告：我的报到登记，以及期间内参加的活动、服务时长与积分"""
    return reports.member_report(g.user, reports.Period.of(args.get("from_"), args.get("to")))
