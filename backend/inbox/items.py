from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class InboxItem:
    """One thing waiting for a leader or handler: a report, a registration, a task proof."""

    kind: str
    id: int
    title: str
    grid_id: int
    grid_name: str
    status: str
    deadline: datetime | None
    overdue: bool
    #: The API path the mini-program opens for this item.
    path: str
