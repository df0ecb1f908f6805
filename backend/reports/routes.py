from flask import Response, g, jsonify

from backend.core.api import LOGIN, PUBLIC, Blueprint, access, page_of
from backend.core.idempotency import REPLAYED, client_key, keyed_on_the_row
from backend.reports import listing, presenters, services
from backend.reports.categories import categories
from backend.reports.schemas import (ReportActionArgs, ReportCategoryListSchema, ReportCreateArgs, ReportDetailSchema,
                                     ReportFollowResultSchema, ReportListArgs, ReportNearbyArgs, ReportNearbyListSchema,
                                     ReportRatingArgs, ReportSummarySchema, WeChatPushArgs, WeChatPushCheckArgs,
                                     WeChatPushEventSchema)

blp = Blueprint("reports", __name__, description="随手拍：问题反映、处置、评价")


@blp.route("/reports/categories", methods=["GET"])
@blp.response(200, ReportCategoryListSchema)
@access(LOGIN)
def list_categories():
    """问题类型及各类型的受理、办结时限（小时）"""
    items = categories()
    return {"items": items, "total": len(items)}


@blp.route("/reports", methods=["POST"])
@blp.arguments(ReportCreateArgs())  # an instance: webargs would build one from the class on every submission
@blp.response(201, ReportDetailSchema)
@blp.doc(**keyed_on_the_row("同一用户重试时使用同一标识：返回首次提交的反映（201），不重复提交"))
@access(LOGIN)
def create_report(args):
    """随手拍：1–9 张照片、类型、描述、位置，可匿名；分派到位置所在的微网格（否则本人所在网格）"""
    report, replayed = services.submit_report(g.user, args, client_key())
    return presenters.detail(report, g.user), 201, REPLAYED if replayed else {}


@blp.route("/reports", methods=["GET"])
@blp.arguments(ReportListArgs(), location="query")  # an instance: webargs would build one from the class every request
@blp.response(200, page_of(ReportSummarySchema))
@access(LOGIN)
def list_reports(args):
    """我反映的和我负责处置的问题（mine=1 只看自己反映的；grid_id 限定网格及下级；status 筛选）"""
    page = listing.summary_page(g.user, args)
    page["items"] = presenters.summaries(page["items"], g.user)
    return jsonify(page)  # already as the schema dumps it (presenters.summaries): sent without a second pass


@blp.route("/reports/nearby", methods=["GET"])
@blp.arguments(ReportNearbyArgs, location="query")
@blp.response(200, ReportNearbyListSchema)
@access(LOGIN)
def nearby_reports(args):
    """附近 250 米内同类未办结的问题（"有人已经反映过"），由近及远"""
    items = [presenters.nearby_item(found) for found in services.nearby(g.user, **args)]
    return {"items": items, "total": len(items)}


@blp.route("/reports/<int:report_id>", methods=["GET"])
@blp.response(200, ReportDetailSchema)
@access(LOGIN)
def get_report(report_id):
    """一条问题的详情、照片与处理时间线"""
    return presenters.detail(services.get_report(g.user, report_id), g.user)


@blp.route("/reports/<int:report_id>/actions", methods=["POST"])
@blp.arguments(ReportActionArgs)
@blp.response(200, ReportDetailSchema)
@access(LOGIN)
def act_on_report(args, report_id):
    """处置：受理、派单（成员单位或个人）、上报上级网格、办结（附处理后照片）、驳回；反映人可重新打开"""
    return presenters.detail(services.act(g.user, report_id, args), g.user)


@blp.route("/reports/<int:report_id>/rating", methods=["POST"])
@blp.arguments(ReportRatingArgs)
@blp.response(201, ReportDetailSchema)
@access(LOGIN)
def rate_report(args, report_id):
    """反映人确认并评价（1–5 分：4 分以上满意，3 分基本满意，2 分以下不满意），评价后办结"""
    return presenters.detail(services.rate(g.user, report_id, args), g.user)


@blp.route("/reports/<int:report_id>/follow", methods=["POST"])
@blp.response(201, ReportFollowResultSchema)
@blp.alt_response(200, schema=ReportFollowResultSchema, description="已附议过，人数不变")
@access(LOGIN)
def follow_report(report_id):
    """附议（"我也遇到了"）：附议人数加一，处理进展会通知附议人；重复附议不重复计数"""
    report, created = services.follow(g.user, report_id)
    result = {"report_id": report.id, "follower_count": report.follower_count, "following": True}
    return result, 201 if created else 200


@blp.route("/wechat/push", methods=["POST"])
@blp.arguments(WeChatPushArgs, location="query")
@blp.arguments(WeChatPushEventSchema)
@blp.response(200, {"type": "string"}, content_type="text/plain")
@access(PUBLIC)
def wechat_push(query, event):
    """微信消息推送（mediaCheckAsync 图片审核结果）；校验签名，签名无效 403"""
    services.receive_media_verdict(query, event)
    return Response("success", mimetype="text/plain")


@blp.route("/wechat/push", methods=["GET"])
@blp.arguments(WeChatPushCheckArgs, location="query")
@blp.response(200, {"type": "string"}, content_type="text/plain")
@access(PUBLIC)
def wechat_push_check(query):
    """微信配置消息推送地址时的校验：签名正确则原样返回 echostr"""
    services.check_push_signature(query)
    return Response(query["echostr"], mimetype="text/plain")
