"""The bench: the service's speed on this machine, as ratios to floors measured in the same run.

``make bench`` (``python -m bench``) creates and fills the PostgreSQL database
``wanggetong_bench`` with a city-scale dataset (kept between runs), starts the
app under gunicorn with the production settings and ``BENCH_MODE=1``, drives
each floor and scenario with wrk over loopback in interleaved rounds, and writes
the table to bench/results.md. ``python -m bench --help`` lists the options.
"""
