"""The jobs domain has no HTTP routes: its blueprint carries the ``jobs`` CLI group
and starts the in-process ticker with the first request on the embedded default."""
from flask import current_app

from backend.core.api import Blueprint
from backend.jobs import models  # noqa: F401  (the outbox table)
from backend.jobs.cli import jobs_cli
from backend.jobs.ticker import start_in_process_ticker

blp = Blueprint("jobs", __name__, description="后台任务")
blp.cli = jobs_cli


@blp.before_app_request
def _start_ticker():
    start_in_process_ticker(current_app._get_current_object())
