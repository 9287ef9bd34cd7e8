"""Shared fixtures: a migrated database per test (SQLite, or PostgreSQL via AIRCLASS_DATABASE_URL)."""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from scheduler.ops.job_kinds import load_job_kinds
from scheduler.store.db import make_session_factory, upgrade_database
from scheduler.store.models import Base
from tests.support.databases import migrated_copy

load_job_kinds()  # the tests submit and run jobs as the app, the command and the workers do


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashing() -> Iterator[None]:
    """scrypt costs ~50 ms a hash by design; a dozen users per test would dominate the suite."""
    from scheduler.services import accounts

    accounts.PASSWORD_METHOD = "pbkdf2:sha256:1000"
    yield


def _postgres_admin_url() -> str | None:
    url = os.environ.get("AIRCLASS_DATABASE_URL", "")
    return url if url.startswith("postgresql") else None


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated once per test session: a fresh PostgreSQL database, or a SQLite file."""
    admin_url = _postgres_admin_url()
    if admin_url is None:
        template = tmp_path_factory.mktemp("db") / "template.sqlite3"
        upgrade_database(f"sqlite:///{template}")
        yield f"sqlite:///{template}"
        return
    with migrated_copy(admin_url, tmp_path_factory.mktemp("db"), "airclass_test") as url:
        yield url


@pytest.fixture
def database_url(migrated_database: str, tmp_path: Path) -> Iterator[str]:
    """A clean, migrated database for one test."""
    if migrated_database.startswith("sqlite"):
        copy = tmp_path / "airclass.sqlite3"
        shutil.copy(migrated_database.removeprefix("sqlite:///"), copy)
        yield f"sqlite:///{copy}"
        return
    yield migrated_database
    engine = create_engine(migrated_database)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    """Session factory on the test's database."""
    factory = make_session_factory(database_url)
    yield factory
    factory.kw["bind"].dispose()


@pytest.fixture
def world(sessions: sessionmaker[Session]):  # type: ignore[no-untyped-def]
    """The small test city (see tests/world.py)."""
    from tests.support.world import build_world

    return build_world(sessions)


@pytest.fixture
def settings(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Settings for a test app: its own database and media store, a 5 MiB upload limit."""
    from scheduler.settings import Settings

    return Settings(
        database_url=database_url,
        media_dir=tmp_path / "media",
        secret_key="test-secret-key",
        max_upload_bytes=5 * 1024 * 1024,
        production=False,
        timezone="Asia/Shanghai",
    )


@pytest.fixture
def app(settings, sessions):  # type: ignore[no-untyped-def]
    """The Flask app on the test database (shares the `sessions` engine's database)."""
    from web.app import create_app

    app = create_app({"TESTING": True}, settings=settings)
    yield app
    app.extensions["airclass.sessions"].kw["bind"].dispose()


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


class ApiAs:
    """Calls the API as one user through a bearer token, as a script would."""

    def __init__(self, client, token: str) -> None:  # type: ignore[no-untyped-def]
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, url: str, **kw):  # type: ignore[no-untyped-def]
        return self.client.get(url, headers=self.headers, **kw)

    def post(self, url: str, **kw):  # type: ignore[no-untyped-def]
        return self.client.post(url, headers=self.headers, **kw)

    def put(self, url: str, **kw):  # type: ignore[no-untyped-def]
        return self.client.put(url, headers=self.headers, **kw)

    def patch(self, url: str, **kw):  # type: ignore[no-untyped-def]
        return self.client.patch(url, headers=self.headers, **kw)


@pytest.fixture
def api_as(client, world):  # type: ignore[no-untyped-def]
    """api_as("county_a") -> an ApiAs signed in with that user's token."""
    from tests.support.world import PASSWORD

    cache: dict[str, ApiAs] = {}

    def make(username: str) -> ApiAs:
        if username not in cache:
            response = client.post("/api/tokens", json={"username": username, "password": PASSWORD})
            assert response.status_code == 201, response.get_json()
            cache[username] = ApiAs(client, response.get_json()["token"])
        return cache[username]

    return make


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny generated clips named by what they contain."""
    from media.samples import tiny_clip

    folder = tmp_path_factory.mktemp("clips")
    made = {
        "lesson_2s.mp4": {"seconds": 2},
        "lesson_1s_b.mp4": {"seconds": 1},
        "video_only_1s.mp4": {"seconds": 1, "audio": False},
    }
    out: dict[str, Path] = {}
    for name, kwargs in made.items():
        out[name] = folder / name
        tiny_clip(out[name], **kwargs)
    return out


@pytest.fixture
def on_air(app, sessions, world, clips, api_as):  # type: ignore[no-untyped-def]
    """Grade 3 on a test channel: math 12-13 and chinese 1 approved, filler clips registered (tests/channels_world.py)."""
    from tests.support.channels_world import build_on_air

    return build_on_air(app, sessions, world, clips, api_as)
