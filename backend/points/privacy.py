"""Points stay in the ledger after erasure: they belong to the grid's record, and the
person behind them is no longer identifiable once the account is erased."""
from backend.points.schemas import PointEntrySchema
from backend.points.services import ledger_query
from backend.core.db import db


def export(user) -> dict:
    return {"entries": PointEntrySchema(many=True).dump(db.session.scalars(ledger_query(user.id)))}


def erase(user) -> None:
    """Nothing to remove: entries hold no personal data beyond the (erased) account id."""
