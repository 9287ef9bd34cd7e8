"""The families' programme guide (no sign-in): pick a grade, see today and the week, subscribe to the feeds."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import segno
from flask import Blueprint, render_template, request, url_for
from markupsafe import Markup

from scheduler.services import guide
from web.context import db, now

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
def grades() -> Any:
    """The grades that have a channel, to choose from."""
    return render_template("guide/grades.html", grades=guide.guide_grades(db()))


def _first_day() -> date | None:
    try:
        return date.fromisoformat(request.args["from"]) if request.args.get("from") else None
    except ValueError:
        return None


@bp.route("/grade<int:grade>")
def grade(grade: int) -> Any:
    """Today and the week of a grade: on now, next, the channel numbers, the subscribe links."""
    moment = now()
    first = _first_day()
    found = guide.grade_guide(db(), grade, now=moment, first=first)
    start = found.days[0].day
    feed = feed_links(grade)
    return render_template(
        "guide/grade.html", guide=found, moment=moment, feed=feed, qr=qr_svg(feed["https"]),
        subject_feeds=[(code, name, feed_links(grade, code)) for code, name in found.subjects],
        today={c.id: guide.broadcast_day(c, moment) for c in found.channels},
        previous=start - timedelta(days=guide.WEEK), following=start + timedelta(days=guide.WEEK),
    )
