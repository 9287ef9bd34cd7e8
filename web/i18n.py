"""Page language: Simplified Chinese by default, English on request (?lang=, the `lang` cookie, Accept-Language).

Messages are written in English in the code and templates (the domain's sentences in scheduler/domain,
marked with N_) and translated in web/translations/<lang>/LC_MESSAGES/messages.po. The .po files are
compiled in memory when the app starts, so a clean clone, a read-only install and a wheel all work
without a build step. Refresh the catalogue after changing strings with the two pybabel commands
written in web/translations/babel.cfg.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask import Flask, request
from flask_babel import Babel, Domain, get_locale, gettext
from flask_babel import lazy_gettext as _l

from scheduler.domain.catalogue import GRADE_NAMES
from scheduler.domain.review_terms import Action, ReviewState, Role
from web.presenters.messages import JINJA_GLOBALS

LANGUAGES = ("zh", "en")  # the first is the default
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
TRANSLATIONS = Path(__file__).parent / "translations"

STATE_LABELS = {
    ReviewState.DRAFT: _l("Draft"),
    ReviewState.SUBMITTED: _l("Submitted"),
    ReviewState.COUNTY_REVIEW: _l("County review"),
    ReviewState.CITY_REVIEW: _l("City review"),
    ReviewState.FINAL_REVIEW: _l("Final review"),
    ReviewState.APPROVED: _l("Approved"),
    ReviewState.CHANGES_REQUESTED: _l("Changes requested"),
    ReviewState.WITHDRAWN: _l("Withdrawn"),
    ReviewState.REVOKED: _l("Approval revoked"),
}
ROLE_LABELS = {
    Role.TEACHER: _l("Teacher"),
    Role.COUNTY_REVIEWER: _l("County reviewer"),
    Role.CITY_REVIEWER: _l("City reviewer"),
    Role.FINAL_REVIEWER: _l("Final reviewer"),
    Role.OPERATOR: _l("Channel operator"),
    Role.ADMIN: _l("Administrator"),
    Role.AUDITOR: _l("Auditor"),
    Role.SYSTEM: _l("System"),
}
BEIJING_TIME = _l("Beijing time")
CHINA_ZONES = frozenset({"Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "PRC"})
ACTION_LABELS = {
    Action.SUBMIT: _l("Submit for review"),
    Action.INTAKE: _l("Intake"),
    Action.APPROVE: _l("Approve"),
    Action.REQUEST_CHANGES: _l("Request changes"),
    Action.WITHDRAW: _l("Withdraw"),
    Action.REVOKE: _l("Revoke approval"),
    Action.SIGN_OFF_QC: _l("Sign off the failed QC"),
}


def grade_label(grade: int) -> str:
    """A grade as families name it: 三年级 in Chinese (as channel names and lesson labels say), Grade 3 in English."""
    if str(get_locale()) == "zh" and grade in GRADE_NAMES:
        return GRADE_NAMES[grade]
    return gettext("Grade %(grade)s", grade=grade)


def zone_label(tz: str) -> str:
    """A channel's time zone as families say it: 北京时间 for China's zone, else its IANA name."""
    return str(BEIJING_TIME) if tz in CHINA_ZONES else tz


def select_language() -> str:
    """?lang= wins, then the `lang` cookie, then the browser's Accept-Language, then Chinese."""
    for asked in (request.args.get(COOKIE), request.cookies.get(COOKIE)):
        if asked in LANGUAGES:
            return asked
    return request.accept_languages.best_match(LANGUAGES) or LANGUAGES[0]


def remember_language(response: Any) -> Any:
    """Keep a language picked with ?lang= in the `lang` cookie."""
    asked = request.args.get(COOKIE)
    if asked in LANGUAGES and request.cookies.get(COOKIE) != asked:
        response.set_cookie(COOKIE, asked, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True)
    return response


def compile_catalogues(folder: Path = TRANSLATIONS) -> dict[str, NullTranslations]:
    """Every <lang>/LC_MESSAGES/messages.po under the folder, compiled in memory (fuzzy entries skipped)."""
    catalogues: dict[str, NullTranslations] = {}
    for po in sorted(folder.glob("*/LC_MESSAGES/messages.po")):
        with po.open("rb") as source:
            catalogue = read_po(source, locale=po.parent.parent.name)
        buffer = io.BytesIO()
        write_mo(buffer, catalogue)
        buffer.seek(0)
        catalogues[po.parent.parent.name] = Translations(buffer)
    return catalogues


class CompiledDomain(Domain):
    """A translation domain serving catalogues compiled at start-up instead of .mo files on disk."""

    def __init__(self, catalogues: dict[str, NullTranslations]) -> None:
        super().__init__()
        self.catalogues = catalogues

    def get_translations(self) -> NullTranslations:
        """The current language's catalogue; English, the source language, needs none."""
        return self.catalogues.get(str(get_locale()), NullTranslations())


def init_app(app: Flask) -> None:
    """Install Flask-Babel with the compiled catalogues and the language helpers for templates (domain wording too)."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", LANGUAGES[0])
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", app.config["AIRCLASS_SETTINGS"].timezone)
    babel = Babel(app, locale_selector=select_language)
    babel.domain_instance = CompiledDomain(compile_catalogues())  # replaces Flask-Babel's .mo-reading domain
    app.after_request(remember_language)
    app.jinja_env.globals.update(
        current_language=lambda: str(get_locale()),
        language_names=LANGUAGE_NAMES,
        state_label=STATE_LABELS.get,
        role_label=ROLE_LABELS.get,
        action_label=ACTION_LABELS.get,
        grade_label=grade_label,
        zone_label=zone_label,
        **JINJA_GLOBALS,
    )
