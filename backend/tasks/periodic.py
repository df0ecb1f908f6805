"""Tasks' periodic work for ``jobs tick``: claims left undone past the deadline expire, and the
proof photos of finished claims are deleted after PHOTO_RETENTION_DAYS (the claims stay)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select

from backend.tasks.models import ClaimPhoto, Task, TaskClaim
from backend.tasks.services import expire_claims
from backend.uploads.models import Upload
from backend.uploads.services import purge_past_retention


def tick(now: datetime) -> dict[str, int]:
    return {"claims_expired": expire_claims(now), "proof_photos_purged": purge_expired_proof_photos(now)}


def purge_expired_proof_photos(now: datetime) -> int:
    """Photos of claims verified, given back, or left past the deadline more than the retention ago.
    A proof still waiting for its leader keeps its photos whatever its age."""
    return purge_past_retention(_proof_photos_of_claims_finished_before, now, "claim_finished")


def _proof_photos_of_claims_finished_before(cutoff: datetime):
    finished = or_(TaskClaim.verified_at <= cutoff, TaskClaim.released_at <= cutoff,
                   and_(TaskClaim.status.in_(("claimed", "expired")), Task.deadline <= cutoff))
    return (select(Upload).join(ClaimPhoto, ClaimPhoto.upload_id == Upload.id)
            .join(TaskClaim, TaskClaim.id == ClaimPhoto.claim_id).join(Task, Task.id == TaskClaim.task_id)
            .where(TaskClaim.status != "submitted", finished))
