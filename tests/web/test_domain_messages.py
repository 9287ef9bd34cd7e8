"""Messages of the pure domain on the pages: Chinese on Chinese pages, the domain's English on English ones.

Review refusals, screen-time policy violations, template flaws, slot notes and technical QC findings are
worded by web/presenters/messages.py from the fields the domain gives them; the API keeps the domain's English.
The domain's English sentences are the msgids (one source): each must be marked for extraction and translated.
"""
from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from media.analysis import TimeRange
from media.errors import REFUSALS, UnsupportedMedia
from media.qc import FINDINGS, Check, QcReport, Status, finding
from scheduler.domain import review, review_errors, sentences
from scheduler.domain.catalogue import AlreadyExists, UploadRejected, UploadTooLarge
from scheduler.domain.channels import InvalidTemplate, ReplayRef, SlotKind
from scheduler.domain.plan import NOTES, REPLAY_OF, STOOD_IN, NoteKind, SlotNote, SlotReport, SlotStatus, StandIn
from scheduler.domain.policy import DETAILS, SPAN_UNITS, PolicyViolation, Rule, Span, Violation
from scheduler.domain.review import Actor, RecordingUnderReview
from scheduler.domain.review_terms import Action, ReviewState, Role
from scheduler.domain.template_flaws import FLAWS, Flaw
from scheduler.services.ingest import store_result
from scheduler.store.models import Recording
from tests.support.channels_world import CHANNEL, channel_doc, next_monday, school_day, slot
from tests.web.test_pages import Browser, submitted_recording
from web.i18n import TRANSLATIONS
from web.presenters import messages as wording
from web.presenters import qc_panel

TEMPLATE_URL = f"/admin/channels/{CHANNEL}/json"  # the advanced (JSON) view
AT = datetime(2020, 2, 10, 1, 0, tzinfo=UTC)


def form_fields(page: str, action: str) -> dict[str, str]:
    form = re.search(rf'class="stack action action-{action}">(.*?)</form>', page, re.DOTALL)
    assert form, f"no {action} form on the page"
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.group(1)))


@pytest.fixture
def channel(client, world, api_as):  # type: ignore[no-untyped-def]
    """The grade-3 test channel, its lessons without any recording."""
    response = api_as("admin").post("/api/channels/", json=channel_doc())
    assert response.status_code == 201, response.get_json()
    return CHANNEL


# --- a refused review decision ----------------------------------------------------------------------

@pytest.mark.ffmpeg
@pytest.mark.parametrize(
    ("lang", "sentence"),
    [
        ("zh", "县区审核员无权撤销通过（录像 {id}）：只有终审员或管理员可以执行此操作。"),
        ("en", "A county reviewer may not revoke (recording {id}): only a final reviewer or an admin may do that."),
    ],
)
def test_a_refused_decision_is_explained_in_the_pages_language(app, client, world, clips, lang, sentence):
    recording_id = submitted_recording(app, world, clips)
    county = Browser(client, "county_a")
    fields = {**form_fields(county.page(f"/recordings/{recording_id}"), "approve"), "action": "revoke"}
    refused = client.post(f"/recordings/{recording_id}/actions?lang={lang}", data={**fields, "comment": "不合适", "confirm": "y"})
    assert refused.status_code == 403
    assert sentence.format(id=recording_id) in refused.get_data(as_text=True)


@pytest.mark.ffmpeg
def test_the_api_keeps_the_domains_english(app, world, clips, api_as):
    recording_id = submitted_recording(app, world, clips)
    refused = api_as("county_a").post(f"/api/recordings/{recording_id}/actions",
                                      json={"action": "revoke", "comment": "不合适"})
    assert refused.status_code == 403
    assert refused.get_json()["detail"].startswith("A county reviewer may not revoke")


# --- a screen-time policy violation ------------------------------------------------------------------

def saved(admin: Browser, week: list, lang: str) -> str:  # type: ignore[type-arg]
    admin.page(f"{TEMPLATE_URL}?lang={lang}")  # the language is kept in a cookie
    text = json.dumps({"week": week}, ensure_ascii=False)
    response = admin.client.post(TEMPLATE_URL, data={"csrf_token": admin.token(TEMPLATE_URL), "template": text})
    assert response.status_code == 422
    return response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("lang", "details"),
    [
        ("zh", ["时长 25 分钟；每次最多 20 分钟", "在时段 1 结束后 3 分钟 即开始；课间至少需休息 10 分钟"]),
        ("en", ["lasts 25 min; at most 20 min at a time", "starts 3 min after slot 1 ends; at least 10 min required"]),
    ],
)
def test_a_policy_violation_is_explained_in_the_pages_language(client, channel, lang, details):
    monday = [slot("08:30", 25, "lesson", subject="math"), slot("08:58", 20, "lesson", subject="chinese")]
    page = saved(Browser(client, "admin"), [monday] + [school_day()] * 4 + [[], []], lang)
    rows = re.findall(r'<tr data-rule="(\w+)">.*?<td>([^<]*)</td>\s*</tr>', page, re.DOTALL)
    assert rows == [("max_single_lesson", details[0]), ("min_break", details[1])]


@pytest.mark.parametrize(
    ("lang", "flaw"),
    [("zh", "星期一 时段 2（08:50）：在时段 1（08:30）结束前就开始；请按时间顺序列出时段。"),
     ("en", "Monday slot 2 (08:50): starts before slot 1 (08:30) ends; list slots in order.")],
)
def test_slots_that_cannot_make_a_day_are_explained_in_the_pages_language(client, channel, lang, flaw):
    monday = [slot("08:30", 25, "lesson", subject="math"), slot("08:50", 10, "break")]
    page = saved(Browser(client, "admin"), [monday] + [school_day()] * 4 + [[], []], lang)
    assert flaw.replace("'", "&#39;") in page


# --- a slot note -----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("lang", "note"),
    [("zh", "三年级 数学 第12课《两位数乘两位数》：没有已通过审核的录像"),
     ("en", "三年级 数学 第12课《两位数乘两位数》: no approved recording")],
)
def test_readiness_notes_are_in_the_pages_language(client, channel, lang, note):
    page = Browser(client, "operator").page(f"/operator/channels/{CHANNEL}/readiness?from={next_monday()}&lang={lang}")
    assert f'<td class="muted">{note}</td>' in page


# --- a failed technical QC check -------------------------------------------------------------------

def black_gap_report() -> QcReport:
    """What QC says of a clip with 2.5 s of black in the middle (as the ingest would store it)."""
    black = Check("black", Status.FAIL, finding("black_mid_programme", count=1, seconds="2"),
                  {"longest_seconds": 2.5, "count": 1}, (TimeRange(1.0, 3.5),))
    loudness = Check("loudness", Status.WARN, finding("loudness_off_target", lufs="-30.2", off="-6.2"),
                     {"integrated_lufs": -30.2, "target_lufs": -24.0})
    return QcReport(4.5, 112, (black, loudness), ())


@pytest.mark.ffmpeg
@pytest.mark.parametrize(
    ("lang", "black", "loudness"),
    [
        ("zh", "节目中段出现 1 处 2 秒及以上的黑场", "综合响度 -30.2 LUFS，偏离目标值 -6.2 LU（转码时将作响度标准化）"),
        ("en", "1 black segment(s) of 2 s or more mid-programme",
         "integrated loudness -30.2 LUFS is -6.2 LU from the target (normalised on transcode)"),
    ],
)
def test_a_failed_qc_check_is_explained_in_the_pages_language(app, client, world, clips, sessions, lang, black,
                                                              loudness):
    recording_id = submitted_recording(app, world, clips)
    with sessions() as session:
        checksum = session.get(Recording, recording_id).checksum
    store_result(sessions(), recording_id, checksum, black_gap_report(), {}, 0.0, at=AT)
    page = Browser(client, "county_a").page(f"/recordings/{recording_id}?lang={lang}")
    row = re.search(r'<tr class="check-black verdict-fail">(.*?)</tr>', page, re.DOTALL)
    assert row and f"<td>{black}</td>" in row.group(1)
    assert f"<td>{loudness}</td>" in page


# --- every domain sentence has its wording, and the English one is the domain's ----------------------

RECORDING = RecordingUnderReview(7, 1, 5, 11, 101, ReviewState.COUNTY_REVIEW, "0a1b")


def refusal(rec: RecordingUnderReview, actor: Actor, action: Action, **kw: str) -> review_errors.ReviewError:
    with pytest.raises(review_errors.ReviewError) as refused:
        review.decide(rec, actor, action, at=AT, **kw)
    return refused.value


def refusals() -> list[review_errors.ReviewError]:
    county, city = Actor(9, Role.COUNTY_REVIEWER, county_id=11), Actor(9, Role.CITY_REVIEWER, city_id=101)
    at_city = RecordingUnderReview(7, 1, 5, 11, 101, ReviewState.CITY_REVIEW, "0a1b")
    own = RecordingUnderReview(7, 1, 9, 11, 101, ReviewState.COUNTY_REVIEW, "0a1b")
    twice = RecordingUnderReview(7, 1, 5, 11, 101, ReviewState.COUNTY_REVIEW, "0a1b", frozenset({9}))
    final = RecordingUnderReview(7, 1, 5, 11, 101, ReviewState.FINAL_REVIEW, "0a1b")
    return [
        refusal(RECORDING, Actor(9, Role.AUDITOR), Action.APPROVE),
        refusal(RECORDING, Actor(9, Role.TEACHER), Action.WITHDRAW),
        refusal(RECORDING, Actor(9, Role.COUNTY_REVIEWER, county_id=12), Action.APPROVE),
        refusal(at_city, Actor(9, Role.CITY_REVIEWER, city_id=102), Action.APPROVE),
        refusal(RECORDING, city, Action.APPROVE, reviewed_checksum="0a1b"),
        refusal(own, county, Action.APPROVE, reviewed_checksum="0a1b"),
        refusal(twice, county, Action.APPROVE, reviewed_checksum="0a1b"),
        refusal(RECORDING, county, Action.REQUEST_CHANGES),
        refusal(RECORDING, county, Action.APPROVE),
        refusal(RECORDING, county, Action.APPROVE, reviewed_checksum="9f8e"),
        refusal(final, Actor(9, Role.FINAL_REVIEWER), Action.SIGN_OFF_QC, comment="ok", reviewed_checksum="0a1b"),
        refusal(replace(final, qc_finished=False), Actor(9, Role.FINAL_REVIEWER), Action.APPROVE,
                reviewed_checksum="0a1b"),
        refusal(RecordingUnderReview(7, 1, 5, 11, 101, ReviewState.APPROVED, "0a1b"), county, Action.APPROVE,
                reviewed_checksum="0a1b"),
        review_errors.RecordingNotFound(7),
        review_errors.ReviewConflict(7),
    ]


def violations() -> list[Violation]:
    return [
        Violation(Rule.MAX_SINGLE_LESSON, "Monday", 1, time(8, 30), Span(25 * 60 * 25, 25), 20),
        Violation(Rule.MIN_BREAK, "Monday", 2, time(8, 58), Span(3 * 60 * 25 + 12, 25), 10, 1),
        Violation(Rule.LATEST_END, "2020-02-10 (Monday)", 3, time(16, 50), Span(10 * 60 * 25, 25), "17:00"),
        Violation(Rule.MAX_LESSONS, "Friday", 6, time(11), 6, 5),
        Violation(Rule.MAX_LESSON_MINUTES, "Friday", 6, time(11), Span(130 * 60 * 25 + 30 * 25, 25), 120),
    ]


def notes() -> list[SlotNote]:
    label, today = "三年级 数学 第12课《两位数乘两位数》", ReplayRef(1)
    return [
        SlotNote(NoteKind.ON_AIR, label, ref=today),
        SlotNote(NoteKind.IN_PREPARATION, label),
        SlotNote(NoteKind.NO_APPROVED, label, ref=ReplayRef(2, 3)),
        SlotNote(NoteKind.NOT_APPROVED, label, recording=3, state=ReviewState.CITY_REVIEW),
        SlotNote(NoteKind.OVERLONG, label, recording=3, lasts="00:21:00:00", length="00:20:00:00", ref=today),
        SlotNote(NoteKind.NO_LESSON_LEFT, subject="math"),
        SlotNote(NoteKind.NOTHING_HELD, ref=ReplayRef(2, 1)),
        SlotNote(NoteKind.DID_NOT_AIR, label, ref=today),
        SlotNote(NoteKind.ON_AIR, label, stood_in=StandIn(3, "内容有误")),
        SlotNote(NoteKind.ON_AIR, label, stood_in=StandIn(4)),
    ]


def flaws() -> list[InvalidTemplate]:
    facts = {"count": 6, "subjects": 2, "lessons": 3, "fps": 25, "frames": 0, "ref": ReplayRef(4, 0),
             "previous": 1, "previous_start": "08:30", "length": 101, "limit": 100}
    found = [InvalidTemplate.because("Tuesday", flaw, 2, time(8, 50), **facts) for flaw in Flaw]
    return [*found, InvalidTemplate.because("weekly template", Flaw.WEEKDAYS, count=6),
            InvalidTemplate.because("rota", Flaw.ROTA, 3, subjects=2, lessons=3),
            InvalidTemplate("Monday slot 1 start", "cannot read '8h': Invalid isoformat string: '8h'")]


def report(why: SlotNote) -> SlotReport:
    return SlotReport(date(2020, 2, 10), 1, SlotKind.LESSON, 0, 1, SlotStatus.UNFILLED, str(why), why=why)


def test_every_kind_of_domain_message_has_its_wording():
    assert review_errors.REASONS.keys() == set(review_errors.Reason)
    assert DETAILS.keys() == set(Rule)
    assert NOTES.keys() == set(NoteKind)
    assert qc_panel.QC_FINDINGS.keys() == FINDINGS.keys()
    assert FLAWS.keys() == set(Flaw)
    assert {type(e) for e in refusals()} >= set(review_errors.ReviewError.__subclasses__()) - {review_errors.QcBlocksApproval}


def test_english_pages_say_what_the_domain_says(app):
    with app.test_request_context("/?lang=en"):
        assert [wording.review_refusal(e) for e in refusals()] == [str(e) for e in refusals()]
        assert [wording.violation_detail(v) for v in violations()] == [v.detail for v in violations()]
        assert [wording.slot_note(report(n)) for n in notes()] == [str(n) for n in notes()]
        assert [wording.schedule_refusal(e) for e in flaws()] == [str(e) for e in flaws()]
        values = {"lufs": "-30.2", "off": "-6.2", "peak": "-1.0", "limit": "-2.0", "count": "2", "seconds": "3",
                  "width": "320", "height": "180", "rate": "30000/1001", "channels": "1", "frames": "112",
                  "text": "a sentence kept as stored", "db": "3.5", "gain": "+6.6", "longest": "9.0"}
        for key, sentence in FINDINGS.items():
            said = finding(key, **{name: values[name] for name in re.findall(r"\{(\w+)\}", sentence)})
            assert qc_panel.qc_finding(said) == str(said)


def test_chinese_pages_word_every_domain_message_in_chinese(app):
    latin = re.compile(r"\b(?!fps\b)[a-z]{3,}\b")  # a word of English; "fps" is a unit
    with app.test_request_context("/?lang=zh"):
        said = [wording.review_refusal(e) for e in refusals()]
        said += [wording.violation_detail(v) for v in violations()] + [wording.slot_note(report(n)) for n in notes()]
        said += [wording.schedule_refusal(e) for e in flaws()[:-1]]  # the last one quotes Python's reason
        said += [qc_panel.qc_finding(finding(key, **dict.fromkeys(re.findall(r"\{(\w+)\}", s), "1")))
                 for key, s in FINDINGS.items()]
    english = [s for s in said if latin.search(s.replace("math", ""))]
    assert not english


def test_chinese_names_the_failed_checks_and_the_weekday_of_a_date(app):
    with app.test_request_context("/?lang=zh"):
        blocked = wording.review_refusal(review_errors.QcBlocksApproval("black, decode_errors", 7))
        assert blocked == "技术质检未通过（黑场, 解码错误）（录像 7）：须由终审员填写意见签认后方可通过。"
        late = wording.violation_sentence(violations()[2])
        assert late == "违反屏幕时间规定“最晚结束”：2020-02-10（星期一） 时段 3（16:50）结束时间比最晚结束时间 17:00 晚 10 分钟"


def test_a_thing_not_found_is_named_in_the_page_language_and_the_api_stays_english(client, api_as):
    assert "找不到年级 9" in client.get("/feeds/grade9.ics", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "grade 9 not found" in client.get("/feeds/grade9.ics?lang=en").get_data(as_text=True)
    with client.application.test_request_context("/?lang=zh"):
        assert wording.catalogue_refusal(AlreadyExists("user", "张老师")) == "用户 张老师 已存在"
    assert api_as("operator").get("/api/channels/nosuch").get_json()["detail"] == "channel nosuch not found"


# --- one source: the domain's sentences are the msgids, each translated into Chinese ------------------

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def domain_sentences() -> set[str]:
    """Every sentence of the domain's tables, errors and notes; a note with no words ('%(label)s') needs none."""
    errors = (review_errors.NotPermitted, review_errors.InvalidTransition, review_errors.CommentRequired,
              review_errors.QcBlocksApproval, review_errors.QcNotFinished, review_errors.NothingToSignOff, review_errors.RecordingNotFound,
              review_errors.ReviewConflict)
    said = [*review_errors.REASONS.values(), *FLAWS.values(), *NOTES.values(), *DETAILS.values(),
            review_errors.ABOUT, review_errors.ChecksumMismatch.MISSING, review_errors.ChecksumMismatch.CHANGED,
            *(error.sentence for error in errors), *SPAN_UNITS, PolicyViolation.AND_MORE, REPLAY_OF, STOOD_IN]
    said += [InvalidTemplate("Monday", "why", *at).sentence for at in [(), (1,), (1, time(8))]]
    said += [ReplayRef(1, days).sentence for days in (0, 1, 2)] + [StandIn(3).sentence, StandIn(3, "why").sentence]
    return {sentence for sentence in said if PLACEHOLDER.sub("", sentence).strip()}


def marked_in_domain() -> set[str]:
    """What `pybabel extract -k N_` finds in scheduler/domain (web/translations/babel.cfg)."""
    found = extract_from_dir(Path(sentences.__file__).parent, [("**.py", "python")], keywords={"N_": None})
    return {message for _file, _line, message, _comments, _context in found}


def test_every_domain_sentence_is_marked_for_extraction():
    assert domain_sentences() - marked_in_domain() == set()


def test_every_domain_sentence_has_its_chinese_translation():
    with (TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalogue = read_po(po, locale="zh")
    marked = marked_in_domain()
    assert marked >= domain_sentences()
    untranslated = [s for s in marked if s not in catalogue or not catalogue[s].string or catalogue[s].fuzzy]
    assert untranslated == []
    names = {s: (set(PLACEHOLDER.findall(s)), set(PLACEHOLDER.findall(catalogue[s].string))) for s in marked}
    assert {s: pair for s, pair in names.items() if pair[0] != pair[1]} == {}  # each fact is said, none invented


# --- a refused upload (media.errors.REFUSALS) ----------------------------------------------------------

REFUSAL_VALUES = {"name": "avi", "box": "moov", "seconds": "30", "detail": "Invalid data found when processing input",
                  "shown": "mov,mp4,m4a,3gp,3g2,mj2", "container": "mp4"}


def upload_refusals() -> list[UploadRejected]:
    said = [UnsupportedMedia.because(key, **{n: REFUSAL_VALUES[n] for n in re.findall(r"\{(\w+)\}", sentence)})
            for key, sentence in REFUSALS.items()]
    return [UploadRejected(e.reason, e.key, e.values) for e in said] + [UploadTooLarge(2048 * 1024 * 1024)]


def test_every_upload_refusal_has_its_wording_and_the_english_one_is_the_media_packages(app):
    assert wording.UPLOAD_REFUSALS.keys() == {*REFUSALS, "too_large"}
    with app.test_request_context("/?lang=en"):
        assert [wording.upload_refusal(e) for e in upload_refusals()] == [e.reason for e in upload_refusals()]


def test_chinese_pages_word_every_upload_refusal_in_chinese(app):
    latin = re.compile(r"\b[a-z]{3,}\b")  # a word of English; format names are capitals or quoted values
    with app.test_request_context("/?lang=zh"):
        said = [wording.upload_refusal(e) for e in upload_refusals() if e.key not in ("probe_failed", "unreadable",
                                                                                       "wrong_format")]
    for quoted in [*REFUSAL_VALUES.values(), "ffconcat"]:  # the values name formats and boxes as they are
        said = [s.replace(quoted, "") for s in said]
    assert [s for s in said if latin.search(s)] == []


@pytest.mark.ffmpeg
@pytest.mark.parametrize(("lang", "sentence"), [("zh", "文件未被接受：文件中没有音频流"),
                                                ("en", "The file was not accepted: the file has no audio stream")])
def test_a_refused_upload_says_why_in_the_pages_language(client, world, clips, lang, sentence):
    teacher = Browser(client, "teacher_a")
    teacher.page(f"/teacher/lessons/{world.lesson_a}?lang={lang}")  # the language is kept in a cookie
    refused = teacher.upload(world.lesson_a, clips["video_only_1s.mp4"])
    assert refused.status_code == 422 and sentence in refused.get_data(as_text=True)
