"""Settings read from AIRCLASS_* environment variables, with safe defaults for a local run."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_SECRET_KEY = "airclass-dev-insecure-secret"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class Settings:
    """Everything an airclass process needs to know about its surroundings."""

    database_url: str
    media_dir: Path
    secret_key: str
    max_upload_bytes: int
    production: bool
    timezone: str
    export_dir: Path | None = None  # the daily export drop (default: beside the media store)
    publish_hour: int = 18  # local hour at which the coming days' drafts are published
    days_ahead: int = 7  # how many days ahead the nightly job assembles and publishes
    public_url: str = DEFAULT_PUBLIC_URL  # where families reach this service (on-demand links)
    public_dir: Path | None = None  # files the web server in front serves itself (default: beside the media store)
    max_request_bytes: int = 1024 * 1024  # any request body but an upload's (those have max_upload_bytes)
    access_log_file: Path | None = None  # the access log (default: logs/access.log beside the media store)
    access_log_max_bytes: int = 50 * 1024 * 1024  # the access log is rotated at this size
    access_log_backups: int = 10  # rotated access logs kept (access.log.1 ... access.log.10)

    @property
    def exports(self) -> Path:
        """Where the daily export drop writes."""
        return self.export_dir or self.media_dir.parent / "exports"

    @property
    def public(self) -> Path:
        """Where the public feeds are written as files (feeds/grade3.ics ...), for nginx to serve."""
        return self.public_dir or self.media_dir.parent / "public"

    @property
    def access_log(self) -> Path:
        """Where each request is logged (web/access_log.py: Combined Log Format with the duration appended)."""
        return self.access_log_file or self.media_dir.parent / "logs" / "access.log"

    @property
    def live_state(self) -> Path:
        """Where the live channels' timelines are kept (what has been on air must never change)."""
        return self.media_dir.parent / "live-state"

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
        export_dir=Path(env.get("AIRCLASS_EXPORT_DIR", str(var_dir / "exports"))).absolute(),
        publish_hour=int(env.get("AIRCLASS_PUBLISH_HOUR", "18")),
        days_ahead=int(env.get("AIRCLASS_DAYS_AHEAD", "7")),
        public_url=env.get("AIRCLASS_PUBLIC_URL", DEFAULT_PUBLIC_URL).rstrip("/"),
        public_dir=Path(env.get("AIRCLASS_PUBLIC_DIR", str(var_dir / "public"))).absolute(),
        max_request_bytes=int(env.get("AIRCLASS_MAX_REQUEST_KB", "1024")) * 1024,
        access_log_file=Path(env.get("AIRCLASS_ACCESS_LOG", str(var_dir / "logs" / "access.log"))).absolute(),
        access_log_max_bytes=int(env.get("AIRCLASS_ACCESS_LOG_MB", "50")) * 1024 * 1024,
        access_log_backups=int(env.get("AIRCLASS_ACCESS_LOG_FILES", "10")),
    )
