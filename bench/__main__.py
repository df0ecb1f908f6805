"""``python -m bench``: see bench/__init__.py."""
from __future__ import annotations

import argparse
from pathlib import Path

from bench.runner import run
from bench.scenarios import ALL_NAMES, FLOORS
from bench.settings import Settings


def parse(argv: list[str] | None = None) -> Settings:
    defaults = Settings()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0,
                        help="dataset size relative to the full city (1 = 2 million residents; 0.01 for a quick run)")
    parser.add_argument("--database", default="", help="PostgreSQL database (default: wanggetong_bench, or per scale)")
    parser.add_argument("--server-url", default=defaults.server_url, help="PostgreSQL server, without a database")
    parser.add_argument("--port", type=int, default=defaults.port, help="the app's port on 127.0.0.1")
    parser.add_argument("--wechat-port", type=int, default=0, help="the WeChat stand-in's port (default: --port + 1)")
    parser.add_argument("--workers", type=int, default=defaults.workers)
    parser.add_argument("--connections", type=int, default=defaults.connections)
    parser.add_argument("--threads", type=int, default=defaults.threads)
    parser.add_argument("--duration", type=float, default=defaults.duration, help="seconds per run")
    parser.add_argument("--warmup", type=float, default=defaults.warmup, help="seconds of warm-up per scenario")
    parser.add_argument("--repeat", type=int, default=defaults.repeat, help="rounds of every floor and scenario")
    parser.add_argument("--scenarios", default="",
                        help="comma-separated names (the floors always run): " + ", ".join(
                            n for n in ALL_NAMES if n not in {f.name for f in FLOORS}))
    parser.add_argument("--photo-repetitions", type=int, default=defaults.photo_repetitions)
    parser.add_argument("--output", type=Path, default=defaults.output)
    args = parser.parse_args(argv)
    scenarios = [name.strip() for name in args.scenarios.split(",") if name.strip()]
    unknown = set(scenarios) - set(ALL_NAMES)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    return Settings(scale=args.scale, database=args.database, server_url=args.server_url, port=args.port,
                    wechat_port=args.wechat_port or args.port + 1,
                    workers=args.workers, connections=args.connections, threads=args.threads,
                    duration=args.duration, warmup=args.warmup, repeat=args.repeat, scenarios=scenarios,
                    output=args.output, photo_repetitions=args.photo_repetitions)


def main(argv: list[str] | None = None) -> None:
    print(run(parse(argv)))


if __name__ == "__main__":
    main()
