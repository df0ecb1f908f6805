"""The rules of 双报到: registrations and their approval, activities, check-ins,
service hours and points.

Contested writes are settled by the database: one pending registration per
person (a partial unique index), one decision per registration (a conditional
UPDATE on its status), one check-in per member and activity (a unique
constraint) and never more seats than the capacity (a check-in is inserted
only while a seat is free, and the CHECK under the seat counter settles a race
for the last ones).
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from io import BytesIO

import segno
from flask import current_app
from sqlalchemy import (
    Boolean, Float, Integer, String, and_, bindparam, case, cast, exists, false, literal, null, or_, select, true,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, lazyload, selectinload

from backend.auth.conditions import HOLDS_TOKEN, holds, on_a_line
from backend.auth.models import User
from backend.auth.permissions import can, capability_scopes, holds_anywhere
from backend.auth.roles import grant_role
from backend.auth.services import TokenCaller, require, token_revoked
from backend.core.db import UTCDateTime, db, dialect_insert, single_statement_connection, utcnow
from backend.core.errors import Conflict, DomainError, Forbidden, NotFound
from backend.core.idempotency import key_reused
from backend.core.timeutil import local_zone
from backend.core.wechat import get_wechat
from backend.grids.models import Grid
from backend.party import codes
from backend.party.models import REGISTRATION_STATUS_NAMES, Activity, Checkin, PartyRegistration
from backend.points.services import award_points

#: Leaders are asked to decide on a registration within this time (the inbox deadline).
REVIEW_TIME = timedelta(days=3)
#: Distance bands kept for a check-in instead of coordinates: (upper bound in metres, label).
DISTANCE_BANDS = ((100, "<100m"), (300, "100-300m"), (1000, "300m-1km"), (math.inf, ">1km"))
BAND_NAMES = {"<100m": "100 米以内", "100-300m": "100–300 米", "300m-1km": "300 米–1 公里", ">1km": "1 公里以外"}
#: Metres per degree of latitude (and of longitude at the equator), on a sphere of the Earth's mean radius.
METRES_PER_DEGREE = 111_195

# ------------------------------------------------------------------ registrations


def party_grid_paths(user: User) -> list[str]:
    """Paths of the grids where ``user`` is a party member (在册, or 在职 after an approved 双报到)."""
    return [grant.grid.path for grant in user.grants if grant.role == "party_member"]


def register(user: User, grid: Grid, data: dict) -> PartyRegistration:
    if grid.parent_id is None:
        raise DomainError("grid_too_broad", "请选择您居住地所在的居民区或微网格", 422)
    open_ones = db.session.scalars(
        select(PartyRegistration).where(PartyRegistration.user_id == user.id,
                                        PartyRegistration.status.in_(("pending", "approved")))
    ).all()
    if any(r.status == "pending" for r in open_ones):
        raise _pending_exists()
    if any(r.grid_id == grid.id for r in open_ones):
        raise Conflict("already_registered", "您已在该网格报到，无需重复登记")
    registration = PartyRegistration(
        user_id=user.id, grid=grid, employer_org=data["employer_org"], employer_party_org=data["employer_party_org"],
        skills=data["skills"], available_times=data["available_times"],
    )
    try:
        with db.session.begin_nested():
            db.session.add(registration)
    except IntegrityError:  # a concurrent submit of the same person won the pending slot
        raise _pending_exists() from None
    return registration


def _pending_exists() -> DomainError:
    return Conflict("registration_pending", "您已有一份待审核的双报到登记，请等待网格长审核")


def get_registration(viewer: User, registration_id: int) -> PartyRegistration:
    """The registration if ``viewer`` made it or leads its grid; 404 otherwise."""
    registration = db.session.get(PartyRegistration, registration_id)
    if registration is None or not (
        registration.user_id == viewer.id or can(viewer, "registrations.approve", registration.grid)
    ):
        raise NotFound("双报到登记")
    return registration


def registrations_query(viewer: User, mine: bool = False, status: str | None = None, grid: Grid | None = None):
    """The viewer's own registrations, or (leaders) those of the grids they lead."""
    query = (
        select(PartyRegistration)
        .options(joinedload(PartyRegistration.user).options(lazyload(User.roles)),
                 joinedload(PartyRegistration.grid), joinedload(PartyRegistration.decided_by).options(lazyload(User.roles)))
        .order_by(PartyRegistration.created_at.desc(), PartyRegistration.id.desc())
    )
    if mine or not holds_anywhere(viewer, "registrations.approve"):
        query = query.where(PartyRegistration.user_id == viewer.id)
    else:
        scopes = capability_scopes(viewer, "registrations.approve")
        query = query.where(PartyRegistration.grid_id.in_(
            select(Grid.id).where(or_(*(Grid.path.startswith(scope.path) for scope in scopes)))
        ))
    if grid is not None:
        query = query.where(PartyRegistration.grid_id.in_(select(Grid.id).where(Grid.path.startswith(grid.path))))
    if status:
        query = query.where(PartyRegistration.status == status)
    return query


def decide_registration(leader: User, registration: PartyRegistration, approve: bool, reason: str = "") -> PartyRegistration:
    """Approve or reject once: the first decision wins, a repeat of it changes nothing,
    the opposite decision afterwards is refused. Approval makes the person an
    in-service party member of the grid."""
    require(leader, "registrations.approve", registration.grid, hide=True)
    if registration.user_id == leader.id:
        raise Forbidden("不能审批自己的双报到登记，请由其他网格长审批", code="own_registration")
    reason = reason.strip()
    if not approve and not reason:
        raise DomainError("reason_required", "驳回时请填写原因", 422)
    status = "approved" if approve else "rejected"
    table = PartyRegistration.__table__
    decided = db.session.execute(
        update(table)
        .where(table.c.id == registration.id, table.c.status == "pending")
        .values(status=status, decided_by_id=leader.id, decided_at=utcnow(), reject_reason="" if approve else reason)
    ).rowcount
    db.session.refresh(registration)
    if not decided:
        if registration.status == status:
            return registration
        raise Conflict("registration_decided",
                       f"该登记{REGISTRATION_STATUS_NAMES[registration.status]}，不能再{'通过' if approve else '驳回'}")
    if approve:
        grant_role(registration.user, "party_member", registration.grid, party_kind="in_service", granted_by=leader)
    return registration


# ------------------------------------------------------------------ activities


def _ancestor_paths(path: str) -> list[str]:
    """"/1/5/23/" → ["/1/", "/1/5/", "/1/5/23/"]."""
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[:n]) + "/" for n in range(1, len(parts) + 1)]


def _activity_lines(user: User) -> tuple[list[str], list[str], set[str]]:
    """Where a person's activities are: (subtrees they manage, subtrees of their party
    grids, grids at or above their home and party grids)."""
    managed = [scope.path for scope in capability_scopes(user, "activities.manage")]
    party = party_grid_paths(user)
    own = party + ([user.home.path] if user.home else [])
    return managed, party, {path for p in own for path in _ancestor_paths(p)}


def activity_visible_to(user: User):
    """SQL condition: the activities ``user`` may see (see ``_activity_lines``)."""
    managed, party, above = _activity_lines(user)
    conditions = [Activity.grid_path.startswith(path) for path in managed + party]
    if above:
        conditions.append(Activity.grid_path.in_(above))
    return or_(*conditions) if conditions else false()


def can_see_activity(user: User, activity: Activity) -> bool:
    managed, party, above = _activity_lines(user)
    return activity.grid_path in above or any(activity.grid_path.startswith(path) for path in managed + party)


def get_activity(viewer: User, activity_id: int) -> Activity:
    activity = db.session.get(Activity, activity_id)
    if activity is None or not can_see_activity(viewer, activity):
        raise NotFound("活动")
    return activity


def create_activity(leader: User, grid: Grid, data: dict) -> Activity:
    require(leader, "activities.manage", grid)
    if data["ends_at"] <= utcnow():
        raise DomainError("activity_in_past", "活动结束时间已过，请检查时间", 422)
    location = data.get("location") or {}
    activity = Activity(
        grid=grid, grid_path=grid.path, kind=data["kind"], title=data["title"], description=data["description"],
        place=data["place"], lat=location.get("lat"), lng=location.get("lng"),
        checkin_radius_m=data.get("checkin_radius_m"), starts_at=data["starts_at"], ends_at=data["ends_at"],
        capacity=data["capacity"], service_minutes=round(data["service_hours"] * 60), points=data["points"],
        created_by_id=leader.id,
    )
    db.session.add(activity)
    db.session.flush()
    activity.can_manage, activity.my_checkin = True, None
    return activity


def activity_detail(viewer: User, activity: Activity) -> Activity:
    """The activity with what this viewer may do there and their own check-in, if any."""
    mine = db.session.scalar(select(Checkin).where(Checkin.activity_id == activity.id, Checkin.user_id == viewer.id))
    activity.can_manage = can(viewer, "activities.manage", activity.grid)
    activity.my_checkin = CheckinResult.of(mine, repeat=False) if mine else None
    return activity


def activities_query(viewer: User, when: str, grid: Grid | None = None, now: datetime | None = None):
    """Visible activities: upcoming (and running) by start, past newest first, or all with upcoming first."""
    now = now or utcnow()
    query = select(Activity).options(joinedload(Activity.grid)).where(activity_visible_to(viewer))
    if grid is not None:
        query = query.where(or_(Activity.grid_path.startswith(grid.path), Activity.grid_path.in_(_ancestor_paths(grid.path))))
    upcoming = Activity.ends_at >= now
    if when == "upcoming":
        return query.where(upcoming).order_by(Activity.starts_at, Activity.id)
    if when == "past":
        return query.where(~upcoming).order_by(Activity.starts_at.desc(), Activity.id.desc())
    return query.order_by(~upcoming, case((upcoming, Activity.starts_at)), Activity.starts_at.desc(), Activity.id)


def early_checkin() -> timedelta:
    return timedelta(minutes=current_app.config["PARTY_CHECKIN_EARLY_MINUTES"])


def _window_refusal(starts_at: datetime, ends_at: datetime, now: datetime) -> DomainError | None:
    return _not_open(starts_at, ends_at, now) if now >= ends_at or now < starts_at - early_checkin() else None


def _not_open(starts_at: datetime, ends_at: datetime, now: datetime) -> Conflict:
    if now >= ends_at:
        return Conflict("activity_not_open", "活动已结束，签到已关闭")
    opens = starts_at - early_checkin()
    return Conflict("activity_not_open", f"签到尚未开始，{opens.astimezone(local_zone()):%m月%d日 %H:%M} 起可签到")


def checkin_code(leader: User, activity: Activity) -> codes.RotatingCode:
    """The code for the leader's screen, while the activity is open for check-in."""
    require(leader, "activities.manage", activity.grid)
    now = utcnow()
    refusal = _window_refusal(activity.starts_at, activity.ends_at, now)
    if refusal:
        raise refusal
    return codes.rotating_code(activity.id, now)


def poster_scene(leader: User, activity: Activity) -> str:
    """The static code for a printed poster; only for activities that fence check-ins by place."""
    require(leader, "activities.manage", activity.grid)
    if not activity.checkin_radius_m:
        raise Conflict("poster_needs_radius", "海报签到码是固定的，可被转发：请先为活动设置签到地点和范围，再打印海报")
    return codes.poster_scene(activity.id)


def poster_png(leader: User, activity: Activity) -> tuple[bytes, str]:
    """The poster's code as a PNG: a mini-program code, or a plain QR code of the same
    text when WeChat is unavailable or over its quota. Returns (png, "wxacode" | "qrcode")."""
    scene = poster_scene(leader, activity)
    try:
        return get_wechat().unlimited_code_png(scene), "wxacode"
    except DomainError as failure:
        if failure.status != 503:
            raise
    out = BytesIO()
    segno.make_qr(scene, error="m").save(out, kind="png", scale=12, border=4)
    return out.getvalue(), "qrcode"


# ------------------------------------------------------------------ check-in


@dataclass(frozen=True)
class CheckinResult:
    id: int
    activity_id: int
    activity_title: str
    checked_in_at: datetime
    checked_out_at: datetime | None
    service_minutes: int | None
    via: str
    within_radius: bool | None
    distance_band: str | None
    #: True when the member had already checked in: this is the first record, unchanged.
    repeat: bool

    @property
    def service_hours(self) -> float | None:
        return None if self.service_minutes is None else self.service_minutes / 60

    @classmethod
    def of(cls, checkin: Checkin, repeat: bool) -> "CheckinResult":
        return cls(checkin.id, checkin.activity_id, checkin.activity.title, checkin.checked_in_at,
                   checkin.checked_out_at, checkin.service_minutes, checkin.via, checkin.within_radius,
                   checkin.distance_band, repeat)


def _not_registered() -> DomainError:
    return Forbidden("您还不是本活动所在网格的报到党员，请先完成双报到并等待网格长审核", code="not_registered")


def _activity_full() -> Conflict:
    return Conflict("activity_full", "活动名额已满，感谢您的参与热情")


_activities, _checkins = Activity.__table__, Checkin.__table__
_a, _c = _activities.c, _checkins.c

#: Take the seat of the check-in just inserted (SQLite's step of the scan). As on PostgreSQL it
#: does not ask whether one is left: the ``within_capacity`` CHECK holds the count.
_TAKE_SEAT = update(_activities).where(_a.id == bindparam("aid")).values(checked_in=_a.checked_in + 1)

_FIRST_CHECKIN = (
    select(_c.id, _c.activity_id, _a.title.label("activity_title"), _c.checked_in_at, _c.checked_out_at,
           _c.service_minutes, _c.via, _c.within_radius, _c.distance_band, _c.client_key)
    .join_from(_checkins, _activities, _a.id == _c.activity_id)
    .where(_c.activity_id == bindparam("aid"), _c.user_id == bindparam("uid"))
)

_first = _checkins.alias("first")
#: The member's earlier record, for a repeat scan.
_FIRST_COLUMNS = ("id", "checked_in_at", "checked_out_at", "service_minutes", "via", "within_radius",
                  "distance_band", "client_key")

#: A party member (在册, or 在职 after an approved 双报到) on the activity's line: its grid's
#: subtree or an ancestor of it, as ``party_grid_paths`` and ``activity_visible_to`` read it.
_REGISTERED_ON_ITS_LINE = holds("activities.checkin", lambda role_path: on_a_line(_a.grid_path, role_path))


def _fence_expressions(with_location: bool):
    """SQL for (within the radius, distance band) between the scan at (:scan_lat, :scan_lng) and the
    activity's place, so the coordinates never leave the statement. Equirectangular: at a few
    kilometres it is within a metre of the great-circle distance. Both NULL for a scan without one."""
    if not with_location:
        return cast(null(), Boolean), cast(null(), String)
    dy = (bindparam("scan_lat", type_=Float) - _a.lat) * METRES_PER_DEGREE
    dx = (bindparam("scan_lng", type_=Float) - _a.lng) * bindparam("metres_per_degree_lng", type_=Float)
    squared = dx * dx + dy * dy
    band = case(
        (_a.lat.is_(None), cast(null(), String)),
        *((squared < bound * bound, literal(label, String)) for bound, label in DISTANCE_BANDS[:-1]),
        else_=literal(DISTANCE_BANDS[-1][1], String),
    )
    within = case((or_(_a.lat.is_(None), _a.checkin_radius_m.is_(None)), cast(null(), Boolean)),
                  else_=squared <= _a.checkin_radius_m * _a.checkin_radius_m)
    return within, band


def _refusal_expression(within):
    """Why the scan may not take a seat, judged from the activity's row (NULL: it may), in the order
    a member is told. The INSERT takes a seat only when it is NULL, so a refused scan writes nothing,
    and the answer explains the same judgement (``_explained``). A full activity is judged apart."""
    fenced = _a.checkin_radius_m.is_not(None)
    return case(
        (~_REGISTERED_ON_ITS_LINE, literal("not_registered", String)),
        (or_(_a.ends_at <= bindparam("now", type_=UTCDateTime()),
             _a.starts_at > bindparam("opens_by", type_=UTCDateTime())), literal("activity_not_open", String)),
        (and_(bindparam("via", type_=String) == "poster", ~fenced), literal("poster_checkin_disabled", String)),
        (and_(fenced, within.is_(None)), literal("location_required", String)),
        (and_(fenced, ~within), literal("too_far", String)),
        else_=cast(null(), String),
    )


@functools.cache
def _insert_checkin(dialect_name: str, with_location: bool):
    """INSERT … SELECT from the activity's row, nothing for an unknown or full activity, a refused
    scan or a token no longer held; the unique (activity, member) and (member, key) constraints make
    a repeat a no-op."""
    within, band = _fence_expressions(with_location)
    row = select(
        _a.id, cast(bindparam("uid"), Integer), bindparam("now", type_=UTCDateTime()), cast(bindparam("via"), String),
        within, band, cast(bindparam("client_key"), String),
    ).where(_a.id == bindparam("aid"), _a.checked_in < _a.capacity, _refusal_expression(within).is_(None),
            HOLDS_TOKEN)
    columns = ["activity_id", "user_id", "checked_in_at", "via", "within_radius", "distance_band", "client_key"]
    return (dialect_insert(_checkins, dialect_name).from_select(columns, row).on_conflict_do_nothing()
            .returning(_c.id))


@functools.cache
def _scan_facts(with_location: bool):
    """What the answer needs of the activity and the scan, with the member's earlier record if any."""
    within, band = _fence_expressions(with_location)
    return (
        select(_a.title, _a.starts_at, _a.ends_at, (_a.checked_in >= _a.capacity).label("full"),
               within.label("within"), band.label("band"), _refusal_expression(within).label("refusal"),
               HOLDS_TOKEN.label("holds_token"),
               *(_first.c[name].label(f"first_{name}") for name in _FIRST_COLUMNS))
        .select_from(_activities.outerjoin(_first, and_(_first.c.activity_id == _a.id,
                                                        _first.c.user_id == bindparam("uid"))))
        .where(_a.id == bindparam("aid"))
    )


@functools.cache
def _scan_statement(with_location: bool):
    """PostgreSQL: the whole scan in one statement, run on its own (autocommit): the check-in
    inserted when the rules allow it, a seat taken only if it was, and one row to answer from. The
    seat's UPDATE asks no "is one left": when racing scans took the last seats after this one read
    the row, it breaks the ``within_capacity`` CHECK and the whole statement, insert included, is undone."""
    ins = _insert_checkin("postgresql", with_location).cte("ins")
    seat = (
        update(_activities).where(_a.id == bindparam("aid"), exists(select(ins.c.id)))
        .values(checked_in=_a.checked_in + 1).returning(_a.id).cte("seat")
    )
    return (_scan_facts(with_location).outerjoin(ins, true()).add_columns(ins.c.id.label("created_id"))
            .add_cte(seat))


def _scan_once(params: dict, with_location: bool) -> dict | None:
    """PostgreSQL: one statement and no transaction around it, so no BEGIN or COMMIT round trips."""
    row = single_statement_connection().execute(_scan_statement(with_location), params).one_or_none()
    return row and dict(row._mapping)


def _scan_in_steps(params: dict, with_location: bool) -> dict | None:
    """SQLite, which has no data-modifying CTEs: the same scan as ``_scan_statement``, in steps of
    the request's transaction."""
    connection = db.session.connection()
    created = connection.execute(_insert_checkin("sqlite", with_location), params).scalar()
    if created is not None:
        connection.execute(_TAKE_SEAT, params)
    row = connection.execute(_scan_facts(with_location), params).one_or_none()
    return row and {**row._mapping, "created_id": created}


def _scan(params: dict, with_location: bool) -> dict | None:
    """The scan's row (None: no such activity). Beaten to the last seat by racing scans that took it
    after this one read the activity, the scan changed nothing: the activity is full."""
    scan_in = _scan_once if db.session.get_bind().dialect.name == "postgresql" else _scan_in_steps
    try:
        return scan_in(params, with_location)
    except IntegrityError as error:
        if "within_capacity" not in str(error.orig):
            raise
        db.session.rollback()
        raise _activity_full()


@dataclass(frozen=True)
class _Scan:
    """One scan's row: the activity's fields the answer needs, the rules' verdict, the new record
    or the earlier one."""

    title: str
    starts_at: datetime
    ends_at: datetime
    full: bool  # before this scan (on SQLite, after it: read only when it inserted nothing)
    within: bool | None
    band: str | None
    refusal: str | None
    holds_token: bool
    created_id: int | None
    first_id: int | None
    first_checked_in_at: datetime | None
    first_checked_out_at: datetime | None
    first_service_minutes: int | None
    first_via: str | None
    first_within_radius: bool | None
    first_distance_band: str | None
    first_client_key: str | None


def check_in(caller: TokenCaller, token: str, location: dict | None = None, client_key: str | None = None,
             activity_id: int | None = None) -> tuple[CheckinResult, str]:
    """Check the token's holder in with a scanned code; returns (the record, how this request came by
    it: ``created``, ``replayed`` for a retry of the request that created it, or ``repeat``).

    On PostgreSQL the whole scan is one statement, the person's token checked in it too
    (``_scan_statement``): no login lookup, no transaction around it. The rules are judged in
    SQL, so a refused scan writes nothing. ``client_key`` is the request's Idempotency-Key: a
    retry of the request that created the check-in gets the same 201 answer again.
    """
    now = utcnow()
    code = codes.read_code(token, now, activity_id)
    params = {"aid": code.activity_id, "uid": caller.id, "token_version": caller.token_version, "now": now,
              "opens_by": now + early_checkin(), "via": code.via, "client_key": client_key}
    if location:
        # Not named like an activity's columns: the seat's UPDATE would take them as values to set.
        params |= {"scan_lat": location["lat"], "scan_lng": location["lng"],
                   "metres_per_degree_lng": METRES_PER_DEGREE * math.cos(math.radians(location["lat"]))}
    fields = _scan(params, bool(location))
    if fields is None:
        _check_holder(caller)
        raise DomainError("checkin_code_invalid", "该活动不存在，请扫描网格长出示的签到码", 400)
    scan = _Scan(**fields)
    if not scan.holds_token:
        raise token_revoked()
    if scan.created_id is not None:
        return CheckinResult(scan.created_id, code.activity_id, scan.title, now, None, None, code.via, scan.within,
                             scan.band, repeat=False), "created"
    if scan.first_id is not None:
        earlier = {name: getattr(scan, f"first_{name}") for name in _FIRST_COLUMNS}
        return _repeat_of({**earlier, "activity_id": code.activity_id, "activity_title": scan.title}, client_key)
    if scan.refusal:
        raise _explained(scan, now)
    if scan.full:
        raise _activity_full()
    return _racing_twin(caller, code, client_key)


def _check_holder(caller: TokenCaller) -> None:
    """For the rare scan that found no activity: its token must still be held, as everywhere else."""
    if not db.session.scalar(select(HOLDS_TOKEN), {"uid": caller.id,
                                                          "token_version": caller.token_version}):
        raise token_revoked()


def _explained(scan: _Scan, now: datetime) -> DomainError:
    """The statement's verdict (``_refusal_expression``) in the member's words."""
    if scan.refusal == "not_registered":
        return _not_registered()
    if scan.refusal == "activity_not_open":
        return _not_open(scan.starts_at, scan.ends_at, now)
    if scan.refusal == "poster_checkin_disabled":
        return Conflict("poster_checkin_disabled", "本活动未设置签到范围，不能扫海报签到，请扫描网格长手机上的签到码")
    if scan.refusal == "location_required":
        return DomainError("location_required", "本活动需要定位签到：请允许获取位置后重新扫码", 422)
    return DomainError("too_far", f"您不在活动地点附近（距离约 {BAND_NAMES[scan.band]}），请到现场后再签到", 403,
                       {"distance_band": scan.band})


def _racing_twin(caller: TokenCaller, code, client_key: str | None) -> tuple[CheckinResult, str]:
    """Allowed, a seat left, yet nothing inserted: a scan of the same member committed its record
    after this statement began (or the key is on another activity's record). Read it again."""
    first = db.session.connection().execute(_FIRST_CHECKIN, {"aid": code.activity_id,
                                                             "uid": caller.id}).one_or_none()
    if first is None:
        raise key_reused()
    return _repeat_of(first._asdict(), client_key)


def _repeat_of(first: dict, client_key: str | None) -> tuple[CheckinResult, str]:
    """The first record; the request that made it (same key) is answered as it was, with 201."""
    first_key = first.pop("client_key")
    replay = client_key is not None and first_key == client_key
    return CheckinResult(**first, repeat=not replay), "replayed" if replay else "repeat"


# ------------------------------------------------------------------ hours and points


def _award(checkin: Checkin) -> None:
    """The activity's points for attending; given once the check-in is finished (after the start)."""
    activity = checkin.activity
    if activity.points > 0:
        award_points(checkin.user, activity.points, "activity", activity.grid, source_id=checkin.id,
                     note=activity.title)


def check_out(user: User, checkin_id: int) -> CheckinResult:
    """Record the member's service hours (capped at the activity's) and award its points; once."""
    checkin = db.session.scalar(
        select(Checkin).options(joinedload(Checkin.activity))
        .where(Checkin.id == checkin_id, Checkin.user_id == user.id).with_for_update(of=Checkin)
    )
    if checkin is None:
        raise NotFound("签到记录")
    if checkin.checked_out_at is None:
        now = utcnow()
        if now < checkin.activity.starts_at:
            raise Conflict("activity_not_started", "活动尚未开始，开始后再签退")
        checkin.finish(min(now, checkin.activity.ends_at))
        _award(checkin)
    return CheckinResult.of(checkin, repeat=False)


def close_ended_activities(now: datetime | None = None) -> int:
    """Finish the open check-ins of every activity whose window has ended: hours up to
    its end, points to the ledger. Each activity is closed by one caller only."""
    now = now or utcnow()
    ended = db.session.scalars(
        select(Activity).where(Activity.ends_at <= now, Activity.closed_at.is_(None)).order_by(Activity.id)
    ).all()
    closed = 0
    for activity in ended:
        won = db.session.execute(
            update(_activities).where(_activities.c.id == activity.id, _activities.c.closed_at.is_(None))
            .values(closed_at=now)
        ).rowcount
        if won:
            _finish_open_checkins(activity)
            closed += 1
    return closed


def _finish_open_checkins(activity: Activity) -> None:
    still_there = db.session.scalars(
        select(Checkin).options(selectinload(Checkin.user).options(lazyload(User.roles)))
        .where(Checkin.activity_id == activity.id, Checkin.checked_out_at.is_(None)).order_by(Checkin.id)
        .with_for_update(of=Checkin)  # a check-out in flight finishes first and is left as it is
    ).all()
    for checkin in still_there:
        checkin.finish(activity.ends_at)
        _award(checkin)
    db.session.flush()
