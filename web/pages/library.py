"""The on-demand library for families (点播, no sign-in): grade → subject → lessons in curriculum order."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from scheduler.services import guide, on_demand
from web.context import db
from web.family_pages import family_page

bp = Blueprint("library", __name__, url_prefix="/library")


@bp.route("/")
@family_page
def grades() -> Any:
    """The grades on air, to choose from."""
    return render_template("library/grades.html", grades=guide.guide_grades(db()))


@bp.route("/grade<int:grade>")
@family_page
def grade(grade: int) -> Any:
    """A grade's subjects, each with its lessons that can be watched."""
    return render_template("library/grade.html", library=on_demand.library(db(), grade))


@bp.route("/grade<int:grade>/<code>")
@family_page
def subject(grade: int, code: str) -> Any:
    """A subject's lessons that can be watched, in curriculum order, with their air times and teachers."""
    shelf = on_demand.library(db(), grade)
    return render_template("library/subject.html", library=shelf, subject=shelf.subject(code))
