"""Job kinds: a name, the function that does the work, its time limit and its retry budget.

A leaf: it knows no handler. The composition root (scheduler/ops/job_kinds.py) registers them.
"""
from __future__ import annotations

import inspect
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from media.atomic_write import atomic_output
from media.errors import OutsideMediaStore
from media.store_paths import path_in_store
from scheduler.domain.job_states import InvalidJobParams, UnknownJobKind

DEFAULT_TIME_LIMIT = 2 * 3600.0
# The Celery visibility timeout is derived from this cap: no job kind may run longer.
MAX_TIME_LIMIT = 6 * 3600.0
DEFAULT_MAX_ATTEMPTS = 3

Handler = Callable[..., dict[str, Any] | None]


class PermanentJobError(Exception):
    """Raise from a handler when retrying cannot help (bad input): the job fails at once."""


@dataclass(frozen=True)
class JobKind:
    """A registered kind of job."""

    name: str
    function: Handler
    time_limit: float = DEFAULT_TIME_LIMIT
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    permanent_errors: tuple[type[BaseException], ...] = ()

    def check_params(self, params: dict[str, Any]) -> None:
        """Refuse params the handler cannot take (missing, unknown or misnamed arguments)."""
        try:
            inspect.signature(self.function).bind(None, **params)
        except TypeError as exc:
            raise InvalidJobParams(self.name, str(exc)) from None


_KINDS: dict[str, JobKind] = {}


def register(
    name: str,
    function: Handler,
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    permanent_errors: tuple[type[BaseException], ...] = (),
) -> JobKind:
    """Register function(ctx, **params) -> JSON-able dict | None as the handler of a job kind."""
    if not 0 < time_limit <= MAX_TIME_LIMIT:
        raise ValueError(f"time_limit must be within (0, {MAX_TIME_LIMIT:g}] seconds")
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    kind = JobKind(name, function, time_limit, max_attempts, tuple(permanent_errors))
    _KINDS[name] = kind
    return kind


def is_registered(name: str) -> bool:
    """Whether a kind of this name is registered."""
    return name in _KINDS


def job_kind(name: str) -> JobKind:
    """The registered kind of this name (scheduler.ops.job_kinds.load_job_kinds registers airclass's)."""
    try:
        return _KINDS[name]
    except KeyError:
        raise UnknownJobKind(name) from None


def kind_names() -> list[str]:
    """Names of all registered kinds."""
    return sorted(_KINDS)


@dataclass
class JobContext:
    """What a handler gets besides its params: where to work and how to report progress."""

    job_id: int
    kind: str
    attempt: int
    media_dir: Path
    workdir: Path
    database_url: str
    report: Callable[[dict[str, Any]], None] = field(repr=False, default=lambda message: None)

    def progress(self, percent: float) -> None:
        """Report progress, 0-100 (stored as a whole percent)."""
        self.report({"progress": max(0.0, min(100.0, float(percent)))})

    def media_path(self, relative: str | Path) -> Path:
        """An absolute path inside the media store; refuses absolute paths, escapes and the store itself."""
        relative = Path(relative)
        try:
            resolved = path_in_store(relative, self.media_dir)
            if relative.is_absolute() or resolved == self.media_dir.resolve():
                raise OutsideMediaStore(relative)
        except OutsideMediaStore as error:
            raise PermanentJobError(str(error)) from None
        return resolved

    @contextmanager
    def output(self, target: Path) -> Iterator[Path]:
        """Yield a temporary path in the job's workdir; move it onto target on success."""
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_output(target, scratch=self.workdir) as temp:
            yield temp

    def sessions(self) -> Any:
        """A session factory on the airclass database (made on first use)."""
        if "_sessions" not in self.__dict__:
            from scheduler.store.db import make_session_factory

            self.__dict__["_sessions"] = make_session_factory(self.database_url)
        return self.__dict__["_sessions"]

    def close(self) -> None:
        """Release what the context opened."""
        factory = self.__dict__.pop("_sessions", None)
        if factory is not None:
            factory.kw["bind"].dispose()
        shutil.rmtree(self.workdir, ignore_errors=True)
