"""Where uploaded files live: a local directory or an S3-compatible bucket (Tencent COS, MinIO, AWS).

Photos are never public by guessable URL: keys carry a uuid4, bucket objects stay
private, and a reader gets the bytes either streamed by the app after its own
permission check (local) or through a short-lived presigned URL (S3).
"""
from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Protocol

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from flask import Flask, current_app


class Storage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes:
        """Raises KeyError if there is no such object."""

    def delete(self, key: str) -> None:
        """Deleting a missing object is not an error."""

    def exists(self, key: str) -> bool: ...

    def presigned_url(self, key: str, expires_in: int = 300) -> str | None:
        """A short-lived GET URL, or None when the app must stream the bytes itself."""


def new_key(prefix: str, suffix: str, now: datetime | None = None) -> str:
    """An unguessable key sharded by month, e.g. ``photos/2026/11/<uuid4 hex>.jpg``."""
    now = now or datetime.now(timezone.utc)
    return f"{prefix}/{now:%Y/%m}/{uuid.uuid4().hex}{suffix}"


class LocalStorage:
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root).resolve()

    def path(self, key: str) -> Path:
        """The file for a key; keys that could leave the root are refused."""
        parts = PurePosixPath(key).parts
        if not parts or "\\" in key or "\x00" in key or key.startswith("/") or ".." in parts:
            raise ValueError(f"unsafe storage key: {key!r}")
        path = self.root.joinpath(*parts)
        if not path.resolve().is_relative_to(self.root):  # a symlink inside the root pointing out
            raise ValueError(f"unsafe storage key: {key!r}")
        return path

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Write to a temp file beside the target and rename, so readers never see half a photo."""
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temp, path)
        except BaseException:
            os.unlink(temp)
            raise

    def get(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            raise KeyError(key) from None

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def presigned_url(self, key: str, expires_in: int = 300) -> str | None:
        return None


class S3Storage:
    def __init__(
        self,
        bucket: str,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        addressing_style: str = "auto",
    ):
        self.bucket = bucket
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint_url or None,
            region_name=region or None,
            aws_access_key_id=access_key or None,
            aws_secret_access_key=secret_key or None,
            config=Config(
                signature_version="s3v4",
                # MinIO wants "path"; COS and AWS take the default virtual-host style.
                s3={"addressing_style": addressing_style},
                # Uploads run inside a request: fail fast instead of holding a worker.
                connect_timeout=5,
                read_timeout=20,
                retries={"mode": "standard", "max_attempts": 3},
            ),
        )

    def put(self, key: str, data: bytes, content_type: str) -> None:
        # No ACL argument: objects inherit the bucket's private default.
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)

    def get(self, key: str) -> bytes:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if is_missing(exc):
                raise KeyError(key) from None
            raise
        return response["Body"].read()

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if is_missing(exc):
                return False
            raise
        return True

    def presigned_url(self, key: str, expires_in: int = 300) -> str | None:
        return self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=expires_in
        )


def is_missing(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound")


def storage_from_config(config: Mapping, base_dir: str | os.PathLike = ".") -> Storage:
    """STORAGE_BACKEND "local" (UPLOAD_DIR, relative to base_dir) or "s3" (S3_* settings)."""
    backend = config.get("STORAGE_BACKEND", "local")
    if backend == "local":
        return LocalStorage(Path(base_dir) / config.get("UPLOAD_DIR", "instance/uploads"))
    if backend == "s3":
        if not config.get("S3_BUCKET"):
            raise ValueError("STORAGE_BACKEND=s3 needs S3_BUCKET")
        return S3Storage(
            config["S3_BUCKET"],
            endpoint_url=config.get("S3_ENDPOINT_URL"),
            region=config.get("S3_REGION"),
            access_key=config.get("S3_ACCESS_KEY"),
            secret_key=config.get("S3_SECRET_KEY"),
            addressing_style=config.get("S3_ADDRESSING_STYLE", "auto"),
        )
    raise ValueError(f"unknown STORAGE_BACKEND: {backend!r}")


def init_app(app: Flask) -> None:
    # A relative UPLOAD_DIR ("instance/uploads") is taken from the project root, not the working directory.
    app.extensions["storage"] = storage_from_config(app.config, base_dir=Path(app.root_path).parent)


def get_storage() -> Storage:
    return current_app.extensions["storage"]
