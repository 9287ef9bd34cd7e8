"""Families' pages as static files: the landing page, the guide, the library, the watch, live and replay
pages are written under the public folder when what they show changes, and served from there by nginx
(`airclass nginx-config`) or, with nothing in front, by the app itself (`family_page`). With the app
stopped, nginx still serves every page written.

A page is written at its URL path: `/guide/grade3` → `guide/grade3.html`, `/guide/` → `guide/index.html`,
its English twin beside it (`guide/grade3.en.html`). Chinese is the default; `?lang=en`, or the `lang`
cookie it sets, picks English, in nginx as in the app. The writer renders each page through the app's own
view (a request marked `RENDERING`, as of a given instant), so the file is byte for byte the page the app
would render. A watch page's media (the on-demand MP4, its poster and HLS ladder) is linked beside it.

`FamilyPagesTimer` rewrites the pages when the digest of what they show changes (a publication, a
revocation, renditions made, a channel renamed, a new broadcast day, the next programme starting) and at
start-up. Files are replaced atomically and only when their bytes differ.
"""
from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, current_app, request

from media.atomic_write import FilesWritten, write_if_changed
from scheduler.ops.ticker import Ticker
from scheduler.services import family_state, guide, on_demand
from web.context import current_user
from web.i18n import COOKIE, LANGUAGES
from web.public_files import send_public_file

log = logging.getLogger(__name__)
RENDERING = "airclass.family_pages.rendering"  # environ key: render the page, do not serve the file
AS_OF = "airclass.family_pages.now"  # environ key: the instant the page is rendered as of
PAGE_MAX_AGE = 30  # seconds a browser or CDN may keep a page: they change at programme boundaries
WEEKS_KEPT = 2  # guide weeks written before and after the current one (replays reach back 7 days)
WATCH_MEDIA = {"mp4": "video.mp4", "poster": "poster.jpg"}
F = TypeVar("F", bound=Callable[..., Any])


def page_language() -> str:
    """The language of a family page: ?lang=, else the `lang` cookie, else Chinese (nginx's rule too:
    a static page cannot follow Accept-Language)."""
    for asked in (request.args.get(COOKIE), request.cookies.get(COOKIE)):
        if asked in LANGUAGES:
            return str(asked)
    return LANGUAGES[0]


def page_file(public_dir: Path, path: str, language: str) -> Path:
    """Where the page at a URL path is written for a language."""
    suffix = "" if language == LANGUAGES[0] else f".{language}"
    relative = path.strip("/")
    if not relative or path.endswith("/"):
        relative = f"{relative}/index".lstrip("/")
    return public_dir / f"{relative}{suffix}.html"


def family_page(view: F) -> F:
    """Serve a family page from its written file when there is one; render it otherwise (and for the writer)."""

    @wraps(view)
    def serve(*args: Any, **kwargs: Any) -> Any:
        # Signed-in staff get the page rendered for them (their tools in the bar); a query other than
        # ?lang= asks for something no file holds.
        if not request.environ.get(RENDERING) and not request.args.keys() - {COOKIE} and current_user() is None:
            public = current_app.config["AIRCLASS_SETTINGS"].public
            written = page_file(public, request.path, page_language())
            if written.is_file():
                return send_public_file(public, written.relative_to(public).as_posix(), mimetype="text/html",
                                        cache_control=f"public, max-age={PAGE_MAX_AGE}")
        return view(*args, **kwargs)

    return serve  # type: ignore[return-value]


def rendered_now(default: datetime) -> datetime:
    """The instant a page is rendered as of: the writer's, or now."""
    return request.environ.get(AS_OF) or default


@dataclass(frozen=True)
class Scope:
    """Which pages to write: every one, or those of some grades (all of them, or only those that change with
    the clock: the guide's and the live page), and some watch pages (a lesson's renditions just made)."""

    grades: frozenset[int] | None = None  # None: every page
    clock_grades: frozenset[int] = frozenset()
    recordings: frozenset[int] = frozenset()

    @property
    def everything(self) -> bool:
        return self.grades is None


EVERY_PAGE = Scope()


def _grade_paths(grade: int, today: date, library: on_demand.GradeLibrary, replays: list[date]) -> Iterator[str]:
    yield from (f"/guide/grade{grade}", f"/live/grade{grade}", f"/library/grade{grade}")
    for weeks in range(-WEEKS_KEPT, WEEKS_KEPT + 1):
        yield f"/guide/grade{grade}/{(today + timedelta(days=7 * weeks)).isoformat()}"
    yield from (f"/library/grade{grade}/{subject.code}" for subject in library.subjects)
    yield from (f"/replay/grade{grade}/{day.isoformat()}" for day in replays)


def family_paths(app: Flask, now: datetime, scope: Scope = EVERY_PAGE) -> Iterator[str]:
    """The URL paths of the family pages in scope, as of now."""
    public = app.config["AIRCLASS_SETTINGS"].public
    with app.extensions["airclass.sessions"]() as session:
        on_air = guide.guide_grades(session)
        grades = on_air if scope.grades is None else [g for g in on_air if g in scope.grades]
        watchable = on_demand.watchable_ids(session)
        libraries = {grade: on_demand.library(session, grade) for grade in grades}
        replays = {grade: family_state.replay_days(session, grade, now=now, public_dir=public) for grade in grades}
        today = {grade: family_state.grade_today(session, grade, now=now) for grade in on_air}
    if scope.everything or grades:
        yield from ("/", "/guide/", "/library/")
    for grade in grades:
        yield from _grade_paths(grade, today[grade], libraries[grade], replays[grade])
    for grade in sorted((scope.clock_grades - set(grades)) & set(on_air)):
        yield from (f"/guide/grade{grade}", f"/guide/grade{grade}/{today[grade].isoformat()}", f"/live/grade{grade}")
    in_grades = {lesson.recording_id for shelf in libraries.values() for subject in shelf.subjects
                 for lesson in subject.lessons}
    chosen = watchable if scope.everything else (in_grades | scope.recordings) & watchable
    yield from (f"/watch/{recording}" for recording in sorted(chosen))


def write_family_pages(app: Flask, *, now: datetime | None = None, scope: Scope = EVERY_PAGE) -> FilesWritten:
    """Write the family pages in scope (both languages) and the watch pages' media; remove what is no longer
    shown among them (and any watch page of a lesson that can no longer be watched)."""
    now = now or datetime.now(UTC)
    public: Path = app.config["AIRCLASS_SETTINGS"].public
    client = app.test_client()
    environ = {RENDERING: True, AS_OF: now}
    done = FilesWritten("pages")
    keep: set[Path] = set()
    for path in family_paths(app, now, scope):
        for language in LANGUAGES:
            response = client.get(path, query_string={COOKIE: language}, environ_base=environ,
                                  base_url=app.config["AIRCLASS_SETTINGS"].public_url)
            if response.status_code != 200:
                log.warning("family page %s (%s) not written: HTTP %s", path, language, response.status_code)
                continue
            target = page_file(public, path, language)
            keep.add(target)
            if write_if_changed(target, response.get_data()):
                done.written.append(target.relative_to(public).as_posix())
            else:
                done.unchanged += 1
    if scope.everything or scope.grades:
        with app.extensions["airclass.sessions"]() as session:
            watchable = on_demand.watchable_ids(session)
        done.removed = _remove_stale(public, keep, scope.grades, watchable)
        _link_watch_media(app, public)
    elif scope.recordings:
        _link_watch_media(app, public, scope.recordings)
    return done


def _link_watch_media(app: Flask, public: Path, only: frozenset[int] | None = None) -> None:
    """Link each watchable lesson's MP4, poster and HLS ladder under watch/<id>/ (only some when given; else
    the others' media is removed)."""
    settings = app.config["AIRCLASS_SETTINGS"]
    with app.extensions["airclass.sessions"]() as session:
        files = family_state.watch_media(session)
    folder = public / "watch"
    for recording, media in files.items():
        if only is not None and recording not in only:
            continue
        target = folder / str(recording)
        for kind, name in WATCH_MEDIA.items():
            if media.get(kind):
                _link(settings.media_dir / media[kind], target / name)
        if media.get("hls"):
            ladder = (settings.media_dir / media["hls"]).parent
            for part in ladder.iterdir():
                if part.suffix in (".m3u8", ".ts") and not part.name.startswith("."):
                    _link(part, target / "hls" / part.name)
    if only is not None:
        return
    for stale in (p for p in folder.glob("*") if p.is_dir() and p.name.isdigit() and int(p.name) not in files):
        shutil.rmtree(stale, ignore_errors=True)


def _link(source: Path, target: Path) -> None:
    if target.exists() and os.path.samefile(source, target):
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.link")
    temporary.unlink(missing_ok=True)
    try:
        os.link(source, temporary)
    except OSError:  # another file system: a copy
        shutil.copyfile(source, temporary)
    os.replace(temporary, target)


def _remove_stale(public: Path, keep: set[Path], grades: frozenset[int] | None, watchable: set[int]) -> list[str]:
    """Remove the written family pages not in keep, of every area or of the grades given (an old week, a grade
    off air), and the watch pages of lessons that can no longer be watched (revoked)."""
    watch_pages = [p for p in (public / "watch").glob("*.html")
                   if not p.name.split(".")[0].isdigit() or int(p.name.split(".")[0]) not in watchable]
    if grades is None:
        found = [*public.glob("index*.html"), *watch_pages, *(p for top in ("guide", "library", "replay", "live")
                                                              for p in (public / top).rglob("*.html"))]
    else:
        found = watch_pages
        for grade in grades:
            for top in ("guide", "library", "replay", "live"):
                found += [*(public / top).glob(f"grade{grade}.*html"), *(public / top / f"grade{grade}").rglob("*.html")]
    removed = []
    for page in found:
        if page.is_file() and page not in keep and not page.name.startswith("."):
            page.unlink()
            removed.append(page.relative_to(public).as_posix())
    return sorted(removed)


class FamilyPagesTimer(Ticker):
    """A daemon thread rewriting the family pages whenever the digest of what they show changes."""

    name = "family-pages"

    def __init__(self, app: Flask, interval: float = 5.0, clock: Callable[[], datetime] | None = None) -> None:
        super().__init__(app.config["AIRCLASS_SETTINGS"].database_url, interval)
        self.app = app
        self.clock = clock or (lambda: datetime.now(UTC))
        self._digest: family_state.FamilyDigest | None = None

    def tick(self) -> FilesWritten | None:
        """Write the pages whose digest changed since the last tick (all of them at the first); what was done,
        or None when nothing changed."""
        now = self.clock()
        with self.sessions() as session:
            digest = family_state.digest(session, now=now, public_dir=self.app.config["AIRCLASS_SETTINGS"].public)
        scope = self._changed(self._digest, digest)
        if scope is None:
            return None
        done = write_family_pages(self.app, now=now, scope=scope)
        self._digest = digest
        log.info("family pages: %s", done.summary())
        return done

    @staticmethod
    def _changed(before: family_state.FamilyDigest | None, after: family_state.FamilyDigest) -> Scope | None:
        if before is None or before.shared != after.shared:
            return EVERY_PAGE
        grades = frozenset(g for g in after.grades if before.grades.get(g) != after.grades[g])
        clock = frozenset(g for g in after.clock if before.clock.get(g) != after.clock[g]) - grades
        recordings = frozenset(r for r in after.renditions if before.renditions.get(r) != after.renditions[r])
        if not (grades or clock or recordings):
            return None
        return Scope(grades, clock, recordings)
