"""What one bench run uses: the database, the server settings, the load, and the environment."""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = PROJECT_ROOT / "bench"
WORK_DIR = BENCH_DIR / ".work"
LUA_DIR = BENCH_DIR / "lua"
WECHAT_APP_ID, WECHAT_APP_SECRET = "wx_bench", "bench_secret"


def database_name(scale: float) -> str:
    """One database per scale, so a quick run never throws away the full city."""
    return "wanggetong_bench" if scale == 1 else "wanggetong_bench_s" + f"{scale:g}".replace(".", "_")


@dataclass
class Settings:
    scale: float = 1.0
    server_url: str = "postgresql://postgres@127.0.0.1:5432"
    database: str = ""
    redis_url: str = "redis://127.0.0.1:6379/2"
    port: int = 8765
    #: The WeChat stand-in (devtools), for the content checks report submission makes.
    wechat_port: int = 8766
    #: Sync workers; 4 on 2 cores did best for database-bound endpoints here (NOTES).
    workers: int = 4
    connections: int = 32
    threads: int = 2
    duration: float = 10.0
    warmup: float = 2.0
    repeat: int = 3
    scenarios: list[str] = field(default_factory=list)
    output: Path = BENCH_DIR / "results.md"
    photo_repetitions: int = 15
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(48))

    def __post_init__(self):
        self.database = self.database or database_name(self.scale)

    @property
    def driver_url(self) -> str:
        return f"{self.server_url}/{self.database}"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def app_env(self) -> dict[str, str]:
        """The production settings the app runs with, plus bench mode."""
        return {
            "APP_ENV": "production",
            "DATABASE_URL": self.driver_url.replace("postgresql://", "postgresql+psycopg://", 1),
            "SECRET_KEY": self.secret_key,
            "WECHAT_APP_ID": WECHAT_APP_ID,
            "WECHAT_APP_SECRET": WECHAT_APP_SECRET,
            "WECHAT_API_BASE": f"http://127.0.0.1:{self.wechat_port}",
            "REDIS_URL": self.redis_url,
            "UPLOAD_DIR": str(WORK_DIR / "uploads"),
            "BENCH_MODE": "1",
        }
