"""Login, access tokens and the checks every request goes through."""
from __future__ import annotations

import functools
from dataclasses import dataclass

from flask import current_app, g, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import String, bindparam, cast, func, select
from sqlalchemy.orm import joinedload, lazyload

from backend.auth.models import Grant, GridScope, RoleAssignment, User
from backend.auth.permissions import can, holds_anywhere
from backend.core.db import db
from backend.core.errors import DomainError, Forbidden, NotFound, Unauthorized
from backend.core.wechat import get_wechat
from backend.grids.models import Grid


def _serializer() -> URLSafeTimedSerializer:
    return _serializer_for(current_app.config["SECRET_KEY"])


@functools.cache
def _serializer_for(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="access-token")


def issue_access_token(user: User) -> tuple[str, int]:
    ttl = current_app.config["ACCESS_TOKEN_TTL"]
    return _serializer().dumps({"u": user.id, "v": user.token_version}), ttl


def _payload(token: str) -> dict:
    """What a token carries, once its signature and age are checked (BadSignature otherwise).
    Checked once per request: the rate limiter's key reads it before authentication does."""
    checked = g.get("checked_token")
    if checked is None or checked[0] != token:
        checked = g.checked_token = (token, _serializer().loads(token, max_age=current_app.config["ACCESS_TOKEN_TTL"]))
    return checked[1]


def token_subject(token: str) -> int | None:
    """The user id a valid, unexpired token was issued to, without a database lookup."""
    try:
        return _payload(token).get("u")
    except BadSignature:  # SignatureExpired included
        return None


@functools.cache
def _login_lookup():
    """The person with their grants, by id (built once: building the expression costs more than running it)."""
    home = Grid.__table__.alias("home")
    return (select(User, _grants_column(), home.c.path, home.c.level)
            .outerjoin(home, home.c.id == User.grid_id).where(User.id == bindparam("user_id"))
            .options(lazyload(User.roles), lazyload(User.grid)))


def _grants_column():
    """The caller's roles as one string, "role|grid id|path|level|party kind|unit id;…", so the
    person and their grants come back in one row (ORM objects for every role and its grid
    cost more than the rest of a small request)."""
    def text_of(column):
        return func.coalesce(cast(column, String), "")

    one = (RoleAssignment.role + "|" + text_of(Grid.id) + "|" + Grid.path + "|" + text_of(Grid.level) + "|"
           + text_of(RoleAssignment.party_kind) + "|" + text_of(RoleAssignment.member_unit_id))
    return (select(func.aggregate_strings(one, ";")).join(Grid, Grid.id == RoleAssignment.grid_id)
            .where(RoleAssignment.user_id == User.id).scalar_subquery())


def _parse_grants(packed: str | None) -> list[Grant]:
    grants = []
    for item in (packed or "").split(";"):
        if item:
            role, grid_id, path, level, party_kind, unit_id = item.split("|")
            grants.append(Grant(role, GridScope(int(grid_id), path, int(level)), party_kind or None,
                                int(unit_id) if unit_id else None))
    return grants


def _valid_payload(token: str) -> dict:
    try:
        return _payload(token)
    except SignatureExpired:
        raise Unauthorized("token_expired", "登录已过期，请重新登录")
    except BadSignature:
        raise Unauthorized("token_invalid", "登录凭证无效，请重新登录")


def token_revoked() -> Unauthorized:
    """The answer to a valid token whose person logged out everywhere since, or is gone."""
    return Unauthorized("token_revoked", "登录已失效，请重新登录")


def user_from_token(token: str) -> User:
    payload = _valid_payload(token)
    # One statement: the person, their grants and their home grid's place.
    row = db.session.execute(_login_lookup(), {"user_id": payload.get("u")}).one_or_none()
    if row is None or row[0].token_version != payload.get("v"):
        raise token_revoked()
    user, grants, home_path, home_level = row
    user._grants = _parse_grants(grants)
    user._home = GridScope(user.grid_id, home_path, home_level) if user.grid_id else None
    return user


def with_profile(user: User) -> User:
    """``user`` with what their profile shows (home grid, roles with their grids and units): one statement."""
    return db.session.scalars(select(User).where(User.id == user.id)
                              .options(joinedload(User.grid), joinedload(User.roles))).unique().one()


def _bearer_token() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized()
    return token.strip()


def authenticate_request() -> User:
    """The caller of this request, from its bearer token (looked up once per request)."""
    if "user" in g:
        return g.user
    g.user = user_from_token(_bearer_token())
    return g.user


@dataclass(frozen=True)
class TokenCaller:
    """Whom this request's valid token was issued to, not yet checked against the database: a hot
    path's own statement checks the person (``token_version``), which saves it the login lookup.
    A ``User`` serves as well where a service is called with one."""

    id: int
    token_version: int


def token_caller() -> TokenCaller:
    payload = _valid_payload(_bearer_token())
    return TokenCaller(payload.get("u"), payload.get("v"))


def login_with_wechat(code: str) -> User:
    """Exchange a ``wx.login`` code; the first login creates the person."""
    session = get_wechat().code_to_session(code)
    user = db.session.scalar(select(User).where(User.openid == session.openid))
    if user is None:
        user = User(openid=session.openid, unionid=session.unionid)
        db.session.add(user)
        db.session.flush()
    elif session.unionid and not user.unionid:
        user.unionid = session.unionid
    return user


def logout_everywhere(user: User) -> None:
    user.token_version += 1


def bind_phone(user: User, code: str) -> None:
    user.phone = get_wechat().phone_number(code)


def bind_home_grid(user: User, grid) -> None:
    if grid.has_children:
        raise DomainError("grid_not_micro", "请选择您居住的微网格（最底层网格）", 422)
    user.grid_id = grid.id
    user.grid = grid
    user.__dict__.pop("_home", None)


def require_somewhere(user: User, capability: str) -> None:
    if not holds_anywhere(user, capability):
        raise Forbidden()


def require(user: User, capability: str, grid, hide: bool = False) -> None:
    """Refuse unless ``user`` holds ``capability`` over ``grid``'s subtree.

    ``hide`` answers 404 instead of 403 where even the object's existence
    should not be revealed to people outside the grid.
    """
    if can(user, capability, grid):
        return
    if hide:
        raise NotFound()
    raise Forbidden()
