"""Settings read from AIRCLASS_* environment variables, with safe defaults for a local run."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_SECRET_KEY = "airclass-dev-insecure-secret"


@dataclass(frozen=True)
class Settings:
    """Everything an airclass process needs to know about its surroundings."""

    database_url: str
    media_dir: Path
    secret_key: str
    max_upload_bytes: int
    production: bool
    timezone: str

    @property
    def uses_default_secret(self) -> bool:
        """True while the secret key is the published development default."""
        return self.secret_key == DEFAULT_SECRET_KEY


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read settings from the environment (or a given mapping)."""
    env = os.environ if environ is None else environ
    var_dir = Path(env.get("AIRCLASS_VAR_DIR", "var")).absolute()
    return Settings(
        database_url=env.get("AIRCLASS_DATABASE_URL", f"sqlite:///{var_dir / 'airclass.sqlite3'}"),
        media_dir=Path(env.get("AIRCLASS_MEDIA_DIR", str(var_dir / "media"))).absolute(),
        secret_key=env.get("AIRCLASS_SECRET_KEY", DEFAULT_SECRET_KEY),
        max_upload_bytes=int(env.get("AIRCLASS_MAX_UPLOAD_MB", "2048")) * 1024 * 1024,
        production=env.get("AIRCLASS_ENV", "development") == "production",
        timezone=env.get("AIRCLASS_TIMEZONE", "Asia/Shanghai"),
    )
