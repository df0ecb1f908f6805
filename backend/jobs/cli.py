"""``flask --app wsgi jobs worker`` and ``flask --app wsgi jobs tick``."""
from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import AppGroup

from backend.jobs.queue import in_process_runner, queue_name, redis_connection
from backend.jobs.ticker import run_tick

jobs_cli = AppGroup("jobs", help="后台任务")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="run what is queued, then exit")
@click.option("--queue", "name", default=None, help="queue name (default: JOBS_QUEUE)")
def worker_command(burst, name):
    """Run queued jobs from Redis (RQ), with the scheduler that releases retries."""
    from rq import Queue, Worker

    app = current_app._get_current_object()
    if not app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL 未设置：未配置 Redis 时任务在 Web 进程内执行，无需 worker")
    connection = redis_connection(app)
    queue = Queue(name or queue_name(app), connection=connection)
    Worker([queue], connection=connection).work(burst=burst, with_scheduler=True)


@jobs_cli.command("tick")
@click.option("--every", type=float, default=None, help="repeat every N seconds instead of once")
def tick_command(every):
    """Periodic work: deadline escalation, auto-close, notification redelivery, key pruning."""
    while True:
        results = run_tick()
        click.echo(" ".join(f"{key}={value}" for key, value in sorted(results.items())))
        if not current_app.config.get("REDIS_URL"):
            in_process_runner(current_app._get_current_object()).wait_idle(timeout=60)
        if every is None:
            return
        time.sleep(every)
