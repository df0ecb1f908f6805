"""网格通's backend: one package per domain (auth, grids, reports, party, tasks, points …) and a thin core."""
# Before any schema is built, as validators format their messages when they are made.
from backend.core import validation  # noqa: F401
