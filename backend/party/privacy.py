"""A member's 双报到 data: a copy on request, and erasure (个人信息保护法 Art. 45, 47).

Erasure deletes the registrations (employer, skills and availability identify
the person); check-ins stay as anonymous attendance for the grid's statistics:
they hold no coordinates, only a distance band.
"""
from sqlalchemy import delete, select

from backend.core.db import db
from backend.party.models import Checkin, PartyRegistration
from backend.party.schemas import CheckinSchema, OwnRegistrationSchema
from backend.party.services import CheckinResult


def export(user) -> dict:
    registrations = db.session.scalars(select(PartyRegistration).where(PartyRegistration.user_id == user.id))
    checkins = db.session.scalars(select(Checkin).where(Checkin.user_id == user.id).order_by(Checkin.checked_in_at))
    return {
        "registrations": OwnRegistrationSchema(many=True).dump(registrations),
        "checkins": CheckinSchema(many=True, exclude=("repeat",)).dump(CheckinResult.of(c, repeat=False) for c in checkins),
    }


def erase(user) -> None:
    db.session.execute(delete(PartyRegistration).where(PartyRegistration.user_id == user.id))
