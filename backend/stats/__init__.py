"""Pre-aggregated grid figures for GET /grids/{id}/stats, exact at every moment.

Design, and why:

- **Deltas written by database triggers** (``triggers.py``). Every insert, counted update and
  delete of a counted row (grids, people, roles, reports, ratings, activities, check-ins,
  registrations, tasks, claims, ledger entries) appends rows ``(grid, metric, ±amount)`` to
  ``grid_stat_deltas`` in the same transaction. Triggers, not service code: they cannot miss a
  path (CLI, sweeps, erasure, cascades, the bench's raw SQL), and they cost the write paths no
  round trip — one INSERT inside the statement the service already sends; updates that touch no
  counted column (a check-in's ``checked_in += 1``, a claim's ``taken += 1`` short of the last slot)
  fire nothing. Mutable rows need no remembered "folded status": an update writes −old and +new
  and the two net out. A deleted report, activity or task locks its children before taking their
  figures back, so a concurrent change to one is taken back as committed.
- **Totals per grid for its whole subtree** (``grid_stat_totals``), written only by the fold and
  the rebuild, never by a request: no hot counter row for a street or the city.
- **The fold** (``fold.py``, every tick of ``backend/grids/periodic.py``) removes deltas with
  ``DELETE … RETURNING`` and adds them to the totals of the grid and its ancestors in the same
  transaction. It takes exactly the committed rows it sees, whatever their ids, so ids committing
  out of order lose nothing: a later commit stays in the tail for the next fold.
- **A read** (``figures.py``) is one statement, one snapshot: the asked grid itself (the route
  authorises on it), its totals row set, plus the tail of deltas in the subtree, plus the two
  figures that depend on the clock. Open tasks are kept per hour of their deadline
  (``tasks.open.YYYYMMDDHH``, UTC; the fold drops the hours gone by): a read adds the hours after
  its own and counts only its own hour's tasks live. Reports waiting past their deadline but not
  yet marked overdue are counted live from a partial index (the sweep marks them every minute).
  Points "this month" are kept per month (``points.month.YYYY-MM``), the tail's by their time.
  The statement is written so that PostgreSQL keeps one generic plan for it (no planning per call)
  and the whole tree's read never walks the grids.
- **Non-additive figures, redefined** so they add up level by level: people with a role are role
  holdings (a person counts once per grid they hold the role in), members with points are member
  and grid pairs; ``grid_point_members`` keeps each pair's entry count so the fold and the read
  know when a pair starts or ends.
- ``flask stats rebuild`` recounts everything from the base tables from the same trigger specs,
  REPEATABLE READ on PostgreSQL so the recount and the emptied tail are one snapshot.
"""
