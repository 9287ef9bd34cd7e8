"""The families' programme guide (no sign-in): pick a grade, see today and the week, subscribe to the feeds."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import segno
from flask import Blueprint, render_template, url_for
from markupsafe import Markup

from scheduler.services import guide, live
from web.context import db, now, settings
from web.family_pages import family_page, rendered_now

bp = Blueprint("guide", __name__, url_prefix="/guide")


def feed_links(grade: int, subject: str | None = None) -> dict[str, str]:
    """The https (or http) address of a feed and its webcal:// twin, which calendar apps subscribe to."""
    https = url_for("feeds.grade_feed", grade=grade, subject=subject, _external=True)
    return {"https": https, "webcal": "webcal://" + https.split("://", 1)[1]}


def qr_svg(text: str) -> Markup:
    """A QR code of the text as inline SVG (no style attribute, so the page's CSP allows it)."""
    code = segno.make(text, error="m")
    svg = code.svg_inline(scale=4, dark="#000", light="#fff", svgclass="qr", lineclass=None, omitsize=True)
    return Markup(svg)  # segno's own SVG markup of our URL: nothing from a user is in it


@bp.route("/")
@family_page
def grades() -> Any:
    """The grades that have a channel, to choose from."""
    return render_template("guide/grades.html", grades=guide.guide_grades(db()))


@bp.route("/grade<int:grade>")
@family_page
def grade(grade: int) -> Any:
    """Today and the week ahead of a grade: on now, next, the channel numbers, the subscribe links."""
    return _week(grade, None)


@bp.route("/grade<int:grade>/<isodate:first>")
@family_page
def week(grade: int, first: date) -> Any:
    """Seven days of a grade from a given day (past days lead to their replays)."""
    return _week(grade, first)


def _week(grade: int, first: date | None) -> Any:
    moment = rendered_now(now())
    found = guide.grade_guide(db(), grade, now=moment, first=first)
    start = found.days[0].day
    feed = feed_links(grade)
    return render_template(
        "guide/grade.html", guide=found, moment=moment, feed=feed, qr=qr_svg(feed["https"]),
        subject_feeds=[(code, name, feed_links(grade, code)) for code, name in found.subjects],
        today={c.id: guide.broadcast_day(c, moment) for c in found.channels},
        previous=start - timedelta(days=guide.WEEK), following=start + timedelta(days=guide.WEEK),
        replays=set(live.replay_days(settings().public, found.channels[0].id,
                                     guide.broadcast_day(found.channels[0], moment))),
    )
