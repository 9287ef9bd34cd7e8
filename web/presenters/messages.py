"""The pure domain's refusals, violations, slot notes and QC findings, worded in the page's language.

scheduler/ and media/ know no Flask and no Babel: their errors and results carry a kind and the values
they name, and `str()` of each is an English sentence for logs, the API and the CLI. The domain's
sentences (REASONS, FLAWS, NOTES, DETAILS, the review errors' `sentence`) are msgids with named
placeholders, marked with N_ in scheduler/domain and extracted with the rest (web/translations/babel.cfg):
here they are translated (`_(msgid, **facts)`) and filled in with facts worded in the page's language.
API problem bodies keep the domain's English.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from scheduler.domain.catalogue import AlreadyExists, CatalogueError, NotFound, TextTooLong, UploadRejected
from scheduler.domain.channels import WEEKDAYS, InvalidTemplate, ReplayRef, ScheduleError
from scheduler.domain.plan import NOTES, REPLAY_KINDS, REPLAY_OF, STOOD_IN, MissingClip, SlotNote, SlotReport, StandIn
from scheduler.domain.policy import DETAILS, SECONDS, SPAN_UNITS, PolicyViolation, Rule, Span, Violation
from scheduler.domain.review_errors import (
    ABOUT,
    REASONS,
    ChecksumMismatch,
    CommentRequired,
    InvalidTransition,
    NothingToSignOff,
    NotPermitted,
    QcBlocksApproval,
    QcNotFinished,
    RecordingNotFound,
    ReviewConflict,
    ReviewError,
)
from scheduler.domain.review_terms import Action, ReviewState, Role
from scheduler.domain.template_flaws import FLAWS
from scheduler.ops.timed_jobs import BY_HAND, stored_summary
from scheduler.services.channel_days import DayNotPublished
from scheduler.services.operator_alerts import JOB_FAILED_ALERT, REVOKED_ALERT, SI_TEXT_ALERT
from scheduler.store.models import OperatorAlert
from web.presenters.qc_panel import failed_labels, qc_finding, status_label

# --- words shared by the sentences ----------------------------------------------------------------

ROLE_NOUNS = {
    Role.TEACHER: _l("a teacher"),
    Role.COUNTY_REVIEWER: _l("a county reviewer"),
    Role.CITY_REVIEWER: _l("a city reviewer"),
    Role.FINAL_REVIEWER: _l("a final reviewer"),
    Role.OPERATOR: _l("an operator"),
    Role.ADMIN: _l("an admin"),
    Role.AUDITOR: _l("an auditor"),
    Role.SYSTEM: _l("a system"),
}
ACTION_VERBS = {
    Action.SUBMIT: _l("submit"),
    Action.INTAKE: _l("intake"),
    Action.APPROVE: _l("approve"),
    Action.REQUEST_CHANGES: _l("request changes"),
    Action.WITHDRAW: _l("withdraw"),
    Action.REVOKE: _l("revoke"),
    Action.SIGN_OFF_QC: _l("sign off qc"),
}
STATE_WORDS = {
    ReviewState.DRAFT: _l("draft"),
    ReviewState.SUBMITTED: _l("submitted"),
    ReviewState.COUNTY_REVIEW: _l("county review"),
    ReviewState.CITY_REVIEW: _l("city review"),
    ReviewState.FINAL_REVIEW: _l("final review"),
    ReviewState.APPROVED: _l("approved"),
    ReviewState.CHANGES_REQUESTED: _l("changes requested"),
    ReviewState.WITHDRAWN: _l("withdrawn"),
    ReviewState.REVOKED: _l("revoked"),
}
RULE_LABELS = {
    Rule.MAX_LESSONS: _l("Lessons per day"),
    Rule.MAX_LESSON_MINUTES: _l("Lesson minutes per day"),
    Rule.MAX_SINGLE_LESSON: _l("Minutes at a time"),
    Rule.MIN_BREAK: _l("Break between lessons"),
    Rule.LATEST_END: _l("Latest end"),
}
WEEKDAY_LABELS = dict(zip(WEEKDAYS, (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"),
                                     _l("Saturday"), _l("Sunday")), strict=True))
_DAY_NAME = re.compile(rf"(\d{{4}}-\d\d-\d\d) \(({'|'.join(WEEKDAYS)})\)")


def _about(recording_id: int | None) -> str:
    return "" if recording_id is None else _(ABOUT, id=recording_id)


def _listed(items: list[str]) -> str:
    """'a, b or c' in the page's language."""
    text = items[0]
    for item in items[1:-1]:
        text = _("%(list)s, %(item)s", list=text, item=item)
    return _("%(list)s or %(last)s", list=text, last=items[-1]) if len(items) > 1 else text


# --- review refusals ------------------------------------------------------------------------------

def _reason(error: NotPermitted) -> str:
    if error.why is None:  # a reason given as text only
        return error.reason
    facts = dict(error.facts)
    if "roles" in facts:
        facts["roles"] = _listed([str(ROLE_NOUNS[role]) for role in facts["roles"]])
    if "state" in facts:
        facts["state"], facts["step_role"] = STATE_WORDS[facts["state"]], ROLE_NOUNS[facts["step_role"]]
    return _(REASONS[error.why], **facts)


def review_refusal(error: ReviewError) -> str:
    """A refused review decision as a sentence in the page's language."""
    about = _about(error.recording_id)
    if isinstance(error, NotPermitted):
        who = str(ROLE_NOUNS[error.role])
        return _(error.sentence, who=who[:1].upper() + who[1:], action=ACTION_VERBS[error.action], about=about,
                 reason=_reason(error))
    if isinstance(error, InvalidTransition):
        return _(error.sentence, action=ACTION_VERBS[error.action], state=STATE_WORDS[error.state], about=about)
    if isinstance(error, CommentRequired):
        return _(error.sentence, action=ACTION_VERBS[error.action], about=about)
    if isinstance(error, ChecksumMismatch):
        return _(error.sentence, about=about, actual=error.actual, expected=error.expected)
    if isinstance(error, QcBlocksApproval):
        return _(error.sentence, failed=failed_labels(error.failed), about=about)
    if isinstance(error, NothingToSignOff | QcNotFinished):
        return _(error.sentence, about=about)
    if isinstance(error, RecordingNotFound | ReviewConflict):
        return _(error.sentence, id=error.recording_id)
    return str(error)


# --- screen-time policy and other scheduling refusals --------------------------------------------

def span(length: Span) -> str:
    """'5 min 30 s' in the page's language."""
    return " ".join(_(unit, n=n) for unit, n in zip(SPAN_UNITS, length.parts, strict=True) if n) or _(SECONDS, n=0)


def where_label(where: str) -> str:
    """A weekday, or a date with its weekday, in the page's language; an override's dates and label as they are."""
    if where in WEEKDAY_LABELS:
        return str(WEEKDAY_LABELS[where])
    if where in TEMPLATE_PARTS:
        return str(TEMPLATE_PARTS[where])
    day = _DAY_NAME.fullmatch(where)
    return _("%(day)s (%(weekday)s)", day=day[1], weekday=WEEKDAY_LABELS[day[2]]) if day else where


def violation_detail(violation: Violation) -> str:
    """What a slot does against a screen-time rule."""
    measured = span(violation.measured) if isinstance(violation.measured, Span) else violation.measured
    return _(DETAILS[violation.rule], measured=measured, limit=violation.limit, previous=violation.previous)


def violation_sentence(violation: Violation) -> str:
    """One broken rule, naming the rule, the day and the slot."""
    rule, where, detail = RULE_LABELS[violation.rule], where_label(violation.where), violation_detail(violation)
    if violation.slot is None:
        return _("Screen-time rule “%(rule)s”: %(where)s %(detail)s", rule=rule, where=where, detail=detail)
    clock = violation.start.strftime("%H:%M") if violation.start else "--:--"
    return _("Screen-time rule “%(rule)s”: %(where)s slot %(slot)s (%(clock)s) %(detail)s",
             rule=rule, where=where, slot=violation.slot, clock=clock, detail=detail)


TEMPLATE_PARTS = {"weekly template": _l("weekly template"), "template": _l("template"), "rota": _l("rota")}


def template_refusal(error: InvalidTemplate) -> str:
    """Why slots cannot make a broadcast day; a reason given as text only (JSON that cannot be read) stays as it is."""
    reason = error.reason
    if error.why is not None:
        ref = error.facts.get("ref")
        reason = _(FLAWS[error.why], **{**error.facts, "ref": replay_ref(ref) if ref else ""})
    clock = None if error.start is None else f"{error.start:%H:%M}"
    return _(error.sentence, where=where_label(error.where), slot=error.slot, clock=clock, reason=reason)


def schedule_refusal(error: ScheduleError) -> str:
    """A refusal of the scheduling core as a sentence in the page's language (a channel's values stay English)."""
    if isinstance(error, InvalidTemplate):
        return template_refusal(error)
    if isinstance(error, PolicyViolation):
        first, more = violation_sentence(error.violations[0]), len(error.violations) - 1
        return _(error.AND_MORE, first=first, more=more) if more else first
    if isinstance(error, MissingClip):
        return _("Clip “%(clip)s” is needed to fill the day but was not given.", clip=error.clip_id)
    if isinstance(error, DayNotPublished):
        return _("%(channel)s has no published day on %(day)s.", channel=error.channel_id, day=error.day)
    return str(error)


# --- slot notes -----------------------------------------------------------------------------------

def replay_ref(ref: ReplayRef) -> str:
    """Which earlier slot a replay repeats: today's slot 1, yesterday's slot 3."""
    return _(ref.sentence, slot=ref.slot, days=ref.days_back)


def _note(why: SlotNote) -> str:
    values: dict[str, Any] = {**vars(why), "ref": replay_ref(why.ref) if why.ref else ""}
    values["state"] = STATE_WORDS[why.state] if why.state else ""
    text = _(NOTES[why.kind], **values)
    if why.ref is not None and why.kind not in REPLAY_KINDS:
        text = _(REPLAY_OF, note=text, ref=values["ref"])
    return _(STOOD_IN, note=text, stood_in=_stand_in(why.stood_in)) if why.stood_in else text


def _stand_in(stood_in: StandIn) -> str:
    return _(stood_in.sentence, recording=stood_in.recording, reason=stood_in.revoked_because)


_REVOKED_NOTE = re.compile(r"recording (\d+) revoked: (.*)", re.DOTALL)  # str(StandIn(recording, reason))


def version_note(note: str) -> str:
    """A channel day version's stored note in the page's language: where its slots come from (describe_day's
    '2020-02-10 (Monday)'), or why the standby programme took a slot (str(StandIn)); another note as stored."""
    revoked = _REVOKED_NOTE.fullmatch(note)
    if revoked:
        return _stand_in(StandIn(int(revoked[1]), revoked[2]))
    return where_label(note)


def slot_note(report: SlotReport) -> str:
    """Why a slot airs what it airs; the stored English note for plans stored before notes were data."""
    return report.note if report.why is None else _note(report.why)


# --- technical QC ---------------------------------------------------------------------------------

KIND_NAMES = {
    "alert": _l("alert"), "channel": _l("channel"), "grade": _l("grade"), "lesson": _l("lesson"),
    "lesson on demand": _l("lesson on demand"), "subject": _l("subject"), "user": _l("user"),
}


# --- refused uploads ------------------------------------------------------------------------------

_ACCEPTED = _l("use MP4/MOV, Matroska/WebM, MPEG-TS or MXF")
UPLOAD_REFUSALS = {  # media.errors.REFUSALS, and the size limit's refusal, in the page's language
    "not_a_file": _l("the path is not a regular file"),
    "empty": _l("the file is empty"),
    "text": _l("the file is text, not a video"),
    "text_hls": _l("the file is an HLS playlist, not a video"),
    "text_ffconcat": _l("the file is an ffconcat list, not a video"),
    "text_dash": _l("the file is a DASH manifest (XML), not a video"),
    "text_smil": _l("the file is a SMIL playlist (XML), not a video"),
    "text_svg": _l("the file is an SVG image (XML), not a video"),
    "text_html": _l("the file is an HTML page, not a video"),
    "text_xml": _l("the file is an XML document, not a video"),
    "other_container": _l("container '%(name)s' is not accepted; %(accepted)s"),
    "no_container": _l("the file is not in a recognised video container; %(accepted)s"),
    "cut_short": _l("the file is cut short or damaged: its '%(box)s' box runs past the end"),
    "probe_timeout": _l("ffprobe could not read the file as a video within %(seconds)s s"),
    "probe_failed": _l("ffprobe could not read the file as a video: %(detail)s"),
    "unreadable": _l("ffprobe described the file in a way we cannot read (%(detail)s)"),
    "wrong_format": _l("ffprobe read the file as '%(shown)s', not as %(container)s"),
    "no_video": _l("the file has no video stream"),
    "no_audio": _l("the file has no audio stream"),
    "no_picture_size": _l("the video stream has no picture size"),
    "no_audio_shape": _l("the audio stream has no sample rate or no channels"),
    "no_frame_rate": _l("the video stream has no frame rate"),
    "no_duration": _l("the file has no duration"),
    "too_large": _l("the file is larger than the limit of %(mib)s MiB"),
}


def upload_refusal(error: UploadRejected) -> str:
    """Why an upload was refused, in the page's language; a refusal without a known key as it was said."""
    if error.key not in UPLOAD_REFUSALS:
        return error.reason
    return str(UPLOAD_REFUSALS[error.key]) % {**error.values, "accepted": _ACCEPTED}


TEXT_FIELD_NAMES = {  # stored strings a person types (scheduler/store/text_limits.py caps them all)
    "title": _l("The title"), "name": _l("The name"), "display_name": _l("The name shown"),
    "username": _l("The username"), "comment": _l("The comment"), "note": _l("The note"),
    "original_filename": _l("The file name"),
}


def catalogue_refusal(error: CatalogueError) -> str:
    """A thing not found or already there, or a refused upload, in the page's language; other catalogue refusals
    as they are."""
    if isinstance(error, UploadRejected):
        return upload_refusal(error)
    if isinstance(error, TextTooLong):
        field = TEXT_FIELD_NAMES.get(error.field, _l("The text"))
        return _("%(field)s is too long: %(length)s characters, at most %(limit)s.", field=field,
                 length=error.length, limit=error.limit)
    if not isinstance(error, NotFound | AlreadyExists) or error.kind not in KIND_NAMES:
        return str(error)
    what = KIND_NAMES[error.kind]
    if isinstance(error, NotFound):
        return _("%(what)s %(key)s not found", what=what, key=error.key)
    return _("%(what)s %(key)s already exists", what=what, key=error.key)


TIMED_JOB_NAMES = {
    "assemble_ahead": _l("nightly assembly"),
    "publish_ahead": _l("publication of the coming days"),
    "export_drop": _l("export drop (XMLTV and playlists)"),
    "refresh_feeds": _l("public feed files refresh"),
    "sweep_orphans": _l("orphan uploads sweep"),
}


def timed_job_name(job_id: str) -> str:
    """A timed job's name in the page's language (an unknown one by its id)."""
    return str(TIMED_JOB_NAMES.get(job_id, job_id))


TIMED_JOB_DESCRIPTIONS = {
    "assemble_ahead": _l("Assembles the coming days as drafts, from the curriculum plan and the approved recordings."),
    "publish_ahead": _l("Publishes the coming days' drafts, and the public feeds with them."),
    "export_drop": _l("Writes tomorrow's XMLTV guide and playlists into the export folder for the head-ends."),
    "refresh_feeds": _l("Rewrites the public feed files where the schedule or the day has changed."),
    "sweep_orphans": _l("Sets aside uploaded files no recording references, and removes prepared clips unused "
                        "for a month."),
}


def timed_job_description(job_id: str, stored: str) -> str:
    """What a timed job does, in the page's language (an unknown job as the scheduler stored it)."""
    return str(TIMED_JOB_DESCRIPTIONS.get(job_id, stored))


_CRON_FIELD = re.compile(r"(\w+)='([^']*)'")


def timed_job_schedule(trigger: str) -> str:
    """When a timed job runs, from its stored trigger (APScheduler's "cron[hour='18', minute='30']"), in the
    page's language: daily at a time, every N minutes, or by hand; any other trigger as stored."""
    if trigger == BY_HAND:
        return _("by hand only (not scheduled yet)")
    fields = dict(_CRON_FIELD.findall(trigger)) if trigger.startswith("cron[") else {}
    if set(fields) <= {"hour", "minute"} and fields.get("hour", "").isdigit() and fields.get("minute", "0").isdigit():
        return _("daily at %(time)s", time=f"{int(fields['hour']):02d}:{int(fields.get('minute', '0')):02d}")
    every = re.fullmatch(r"\*/(\d+)", fields.get("minute", ""))
    if set(fields) == {"minute"} and every:
        return _("every %(n)s minutes", n=every[1])
    return trigger


# Timed jobs keep the errors they met as English sentences (an alert's facts, a run's last message, where several
# channels' errors are joined by "; " after "ChannelsFailed: "): those the scheduling core raises are read back into
# their error and worded by schedule_refusal; any other stays as stored.
_STORED_ERRORS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], ScheduleError]], ...] = (
    (re.compile(r"(\S+) has no published day on (\d{4}-\d\d-\d\d)"),
     lambda found: DayNotPublished(found[1], date.fromisoformat(found[2]))),
    (re.compile(r"Clip '([^']*)' is needed to fill the day but was not given\."), lambda found: MissingClip(found[1])),
)


def timed_job_error(text: str) -> str:
    """A timed job's stored error in the page's language, one line per channel it failed on."""
    lines = []
    for part in text.removeprefix("ChannelsFailed: ").split("; "):
        _before, _colon, after = part.partition(": ")  # "channel id: error", or "ErrorType: error"
        error = next((make(found) for pattern, make in _STORED_ERRORS
                      for said in (part, after) if (found := pattern.fullmatch(said))), None)
        lines.append(schedule_refusal(error) if error is not None else part)
    return "\n".join(lines)


TIMED_JOB_SUMMARIES = {
    "days_drafted": _l("%(channel)s: %(done)s of %(span)s days drafted from %(first)s"),
    "days_published": _l("%(channel)s: %(done)s of %(span)s days published from %(first)s"),
    "files_exported": _l("%(channel)s: %(files)s files in %(folder)s"),
    "feeds_refreshed": _l("%(written)s feeds written, %(unchanged)s unchanged, %(removed)s removed"),
    "orphans_set_aside": _l("%(moved)s orphan file(s) set aside in %(folder)s"),
    "prepared_removed": _l("%(removed)s prepared clip(s) no day file used for %(days)s days removed"),
    "no_channels": _l("no channels"),
}


def timed_job_message(outcome: str | None, text: str) -> str:
    """A timed job's last message in the page's language: a failed run's error, or a successful run's summary
    (one line per channel); a summary stored as text by an older release stays as stored."""
    if outcome == "failed":
        return timed_job_error(text)
    lines = stored_summary(text)
    if lines is None:
        return text
    return "\n".join(str(TIMED_JOB_SUMMARIES[line.what]) % line.facts for line in lines)


def alert_channel(alert: OperatorAlert) -> str:
    """The channel an alert is about, by name (an alert stored before its facts were, by id)."""
    return str((alert.facts or {}).get("channel", alert.channel_id))


def alert_text(alert: OperatorAlert) -> str:
    """An operator alert in the page's language; an alert stored before its facts were, as stored."""
    if not alert.facts or alert.kind not in (REVOKED_ALERT, JOB_FAILED_ALERT, SI_TEXT_ALERT):
        return alert.message
    if alert.kind == SI_TEXT_ALERT:
        return _("%(channel)s %(day)s: the programme guide in the stream (GB2312) lacks %(characters)s, "
                 "written as 〓 in: %(texts)s", **alert.facts)
    if alert.kind == JOB_FAILED_ALERT:
        return _("%(channel)s %(day)s: the timed job \"%(job)s\" failed: %(error)s",
                 **{**alert.facts, "job": timed_job_name(alert.facts["job"]), "error": timed_job_error(alert.facts["error"])})
    if "lesson" not in alert.facts:  # stored before alerts named the lesson
        return _("%(channel)s %(day)s: recording %(recording)s revoked: %(reason)s; "
                 "the standby programme airs instead (version %(version)s)", **alert.facts)
    return _("%(channel)s %(day)s: %(lesson)s, recording %(recording)s revoked: %(reason)s; "
             "the standby programme airs instead (version %(version)s)", **alert.facts)


JINJA_GLOBALS = {
    "alert_text": alert_text,
    "alert_channel": alert_channel,
    "timed_job_name": timed_job_name,
    "timed_job_description": timed_job_description,
    "timed_job_schedule": timed_job_schedule,
    "timed_job_error": timed_job_error,
    "timed_job_message": timed_job_message,
    "slot_note": slot_note,
    "qc_finding": qc_finding,
    "qc_status_label": status_label,
    "qc_failed_label": failed_labels,
    "violation_detail": violation_detail,
    "where_label": where_label,
    "version_note": version_note,
    "rule_label": RULE_LABELS.get,
}
