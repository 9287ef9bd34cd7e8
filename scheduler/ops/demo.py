"""Seed a Jiaxing-like demo city: counties, schools, lessons, users of every role, recordings."""
from __future__ import annotations

import shutil
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from media.probe import probe_upload
from media.qc import QcReport, run_qc
from media.samples import titled_clips
from scheduler.domain.catalogue import GRADE_NAMES, lesson_label
from scheduler.domain.channels import Channel, Distributor, ReplayRef, SlotKind, SlotSpec, WeeklyTemplate, apply_rota
from scheduler.domain.frames import FPS
from scheduler.domain.job_states import JobPriority
from scheduler.domain.plan import Clip
from scheduler.domain.review_terms import Action, Role
from scheduler.ops import timed_jobs
from scheduler.services import accounts, channel_days, curriculum, ingest, recordings
from scheduler.services.channels import save_channel, save_clip
from scheduler.store.media_store import MediaStore
from scheduler.store.models import City, Lesson, Recording, Subject, User

MINUTE = 60 * FPS
CITY = "嘉兴市"
COUNTIES = ["南湖区", "秀洲区", "嘉善县", "平湖市", "海盐县", "海宁市", "桐乡市"]
COUNTY_LOGINS = ["nanhu", "xiuzhou", "jiashan", "pinghu", "haiyan", "haining", "tongxiang"]
DEMO_PASSWORD = "airclass-demo"
SUBJECTS = {
    "chinese": "语文", "math": "数学", "english": "英语", "science": "科学", "morality": "道德与法治",
    "music": "音乐", "art": "美术", "pe": "体育与健康", "mental": "心理健康", "epidemic": "防疫知识",
}
TITLES = {
    "chinese": ["秋天的雨", "观潮", "富饶的西沙群岛", "海底世界"],
    "math": ["两位数乘两位数", "面积和面积单位", "小数的初步认识", "年、月、日"],
    "english": ["My Weekend", "At the Zoo", "Seasons", "My Family"],
    "science": ["植物的一生", "水的三态", "声音的传播", "认识空气"],
    "morality": ["我们的班规", "家人的爱", "安全地玩耍", "爱护公物"],
    "epidemic": ["正确洗手", "科学佩戴口罩", "居家锻炼", "认识新型冠状病毒"],
}


def subjects_for_grade(grade: int) -> list[str]:
    """What a grade studies on air: fewer subjects for the youngest."""
    if grade <= 2:
        return ["chinese", "math", "morality", "epidemic"]
    return ["chinese", "math", "english", "science", "epidemic"]


def producing_county(grade: int) -> int:
    """Index of the county that records a grade for the whole city (as in Jiaxing)."""
    return (grade - 1) % len(COUNTIES)


def clip_name(grade: int, code: str, sequence: int) -> str:
    """The name of a lesson's demo clip: g3_chinese_01."""
    return f"g{grade}_{code}_{sequence:02d}"


def lesson_titles() -> dict[str, str]:
    """Every demo lesson's title card, by clip name: 三年级 语文 第1课《秋天的雨》."""
    return {
        clip_name(grade, code, sequence): lesson_label(grade, SUBJECTS[code], sequence, title)
        for grade in range(1, 9) for code in subjects_for_grade(grade)
        for sequence, title in enumerate(TITLES[code], start=1)
    }


def seed_demo(sessions: sessionmaker[Session], store: MediaStore, samples: dict[str, Path], at: datetime) -> str:
    """Seed everything once; a second run only prints the logins."""
    with sessions() as session:
        if session.scalar(select(City.id).where(City.name == CITY)) is not None:
            return "demo data already present\n" + _logins()
    # Each recording shows its own lesson's title card: the clips are made in the background, in upload order.
    with titled_clips(samples, _in_upload_order(lesson_titles())) as clips:
        city = curriculum.create_city(sessions(), CITY, COUNTIES)
        county_ids = [c.id for c in city.counties]
        curriculum.ensure_subjects(sessions(), SUBJECTS)
        _plan_lessons(sessions, county_ids)
        _create_users(sessions, city.id, county_ids, at)
        reports: dict[str, QcReport] = {}  # QC's report of the demo's lessons, made once (see _qc_reported)
        _recordings(sessions, store, clips, at, reports)
        _approved_library(sessions, store, clips, at, reports)
    _clips(sessions, store, samples)
    _channels(sessions, at)
    return "demo data seeded\n" + _publish_days(sessions, at) + "\n" + _logins()


def _in_upload_order(titles: dict[str, str]) -> dict[str, str]:
    """The review chain's lessons first (_recordings uploads them first), then the library's."""
    chain = [clip_name(3, code, sequence) for code, sequence, _steps in _CHAIN]
    return {name: titles[name] for name in chain} | titles


def _plan_lessons(sessions: sessionmaker[Session], county_ids: list[int]) -> None:
    for grade in range(1, 9):
        for code in subjects_for_grade(grade):
            for sequence, title in enumerate(TITLES[code], start=1):
                curriculum.create_lesson(
                    sessions(), grade=grade, subject=code, sequence=sequence, title=title,
                    county_id=county_ids[producing_county(grade)],
                )


def _create_users(sessions: sessionmaker[Session], city_id: int, county_ids: list[int], at: datetime) -> None:
    def add(username: str, role: Role, name: str, **scope: int) -> None:
        accounts.create_user(
            sessions(), username=username, password=DEMO_PASSWORD, role=role, display_name=name, at=at, **scope
        )

    for login, county, county_id in zip(COUNTY_LOGINS, COUNTIES, county_ids, strict=True):
        school = curriculum.create_school(sessions(), county_id, f"{county}实验小学")
        add(f"teacher_{login}", Role.TEACHER, f"{county}教师", school_id=school.id)
        add(f"county_{login}", Role.COUNTY_REVIEWER, f"{county}初审员", county_id=county_id)
    add("city", Role.CITY_REVIEWER, "市级复审员", city_id=city_id)
    add("final", Role.FINAL_REVIEWER, "播出前终审员", city_id=city_id)
    add("operator", Role.OPERATOR, "频道播出员")
    add("admin", Role.ADMIN, "系统管理员")
    add("auditor", Role.AUDITOR, "审计员")


# Grade 3 lessons (produced by 嘉善县) taken to different points of the review chain.
_CHAIN = [
    ("math", 1, ["submit", "county", "city", "final"]),
    ("math", 2, ["submit", "county", "city"]),
    ("math", 3, ["submit", "county"]),
    ("math", 4, ["submit"]),
    ("chinese", 1, ["submit", "changes"]),
    ("chinese", 2, []),
]


def _recordings(
    sessions: sessionmaker[Session], store: MediaStore, clips: Mapping[str, Path], at: datetime,
    reports: dict[str, QcReport],
) -> None:
    grade, login = 3, COUNTY_LOGINS[producing_county(3)]
    actors = {name: _actor(sessions, name) for name in (f"teacher_{login}", f"county_{login}", "city", "final")}
    for index, (code, sequence, steps) in enumerate(_CHAIN):
        lesson_id = _lesson_id(sessions, grade, code, sequence)
        when = at - timedelta(hours=len(_CHAIN) - index)
        clip = clips[clip_name(grade, code, sequence)]
        with clip.open("rb") as stream:
            rec = recordings.upload_recording(
                sessions(), store, actors[f"teacher_{login}"], lesson_id, stream, clip.name, at=when
            )
        for step in steps:
            if step == "final":
                _qc_reported(sessions, store, rec, when, reports)
            who, action, comment = {
                "submit": (f"teacher_{login}", Action.SUBMIT, None),
                "county": (f"county_{login}", Action.APPROVE, "画面清晰，内容准确"),
                "city": ("city", Action.APPROVE, "同意"),
                "final": ("final", Action.APPROVE, "准予播出"),
                "changes": (f"county_{login}", Action.REQUEST_CHANGES, "板书字太小，请重新录制"),
            }[step]
            recordings.act_on_recording(
                sessions(), actors[who], rec.id, action, at=when, comment=comment, reviewed_checksum=rec.checksum
            )


def _approved_library(
    sessions: sessionmaker[Session], store: MediaStore, clips: Mapping[str, Path], at: datetime,
    reports: dict[str, QcReport],
) -> None:
    """Every other lesson of every grade recorded and approved, so the demo week airs lessons."""
    chained = {(3, code, sequence) for code, sequence, _steps in _CHAIN}
    actors = {name: _actor(sessions, name) for name in ["city", "final", *(f"county_{c}" for c in COUNTY_LOGINS)]}
    actors |= {f"teacher_{c}": _actor(sessions, f"teacher_{c}") for c in COUNTY_LOGINS}
    for grade in range(1, 9):
        login = COUNTY_LOGINS[producing_county(grade)]
        for code in subjects_for_grade(grade):
            for sequence in range(1, len(TITLES[code]) + 1):
                if (grade, code, sequence) in chained:
                    continue
                clip = clips[clip_name(grade, code, sequence)]
                with clip.open("rb") as stream:
                    rec = recordings.upload_recording(
                        sessions(), store, actors[f"teacher_{login}"], _lesson_id(sessions, grade, code, sequence),
                        stream, clip.name, at=at - timedelta(days=3), ingest_priority=JobPriority.BACKFILL,
                    )
                _qc_reported(sessions, store, rec, at - timedelta(days=3), reports)
                for who, action in [(f"teacher_{login}", Action.SUBMIT), (f"county_{login}", Action.APPROVE),
                                    ("city", Action.APPROVE), ("final", Action.APPROVE)]:
                    recordings.act_on_recording(
                        sessions(), actors[who], rec.id, action, at=at - timedelta(days=2), reviewed_checksum=rec.checksum
                    )


def _qc_reported(
    sessions: sessionmaker[Session], store: MediaStore, rec: Recording, at: datetime, reports: dict[str, QcReport]
) -> None:
    """Technical QC's report on a recording, as if its ingest had run: the final approval waits for it.

    QC runs once: every demo lesson is a title card before the same body, its cards differing only in their
    words, so the first lesson's report stands for all; the ingest jobs the uploads queued make the renditions.
    """
    if "lesson" not in reports:
        reports["lesson"] = run_qc(Path("recordings") / rec.media_name, store.root)
    ingest.store_result(sessions(), rec.id, rec.checksum, reports["lesson"], {}, 0.0, at=at)


# Filler clips: what airs in breaks, after a lesson, between slots and when a lesson cannot air.
_CLIPS = {
    "eye-exercise": ("filler_eye_exercise_30s", "课间休息·眼保健操"),
    "slate": ("slate_channel_10s", "空中课堂"),
    "standby": ("slate_channel_10s", "节目预告"),
    "programme-filler": ("slate_channel_10s", "空中课堂 精彩节目"),
}


def _clips(sessions: sessionmaker[Session], store: MediaStore, samples: dict[str, Path]) -> None:
    folder = store.root / "clips"
    folder.mkdir(parents=True, exist_ok=True)
    for clip_id, (sample, title) in _CLIPS.items():
        target = folder / samples[sample].name
        if not target.exists():
            shutil.copyfile(samples[sample], target)
        frames = probe_upload(target, store.root).duration_frames
        save_clip(sessions(), Clip(clip_id, frames, title, f"clips/{target.name}"))


def _lesson_minutes(grade: int) -> int:
    return 15 if grade <= 2 else 20 if grade <= 6 else 30


def demo_template(grade: int) -> WeeklyTemplate:
    """Weekdays: a lesson per subject from 08:30 with 10-minute eye-exercise breaks, two replays from 14:00."""
    minutes = _lesson_minutes(grade)
    subjects = subjects_for_grade(grade)
    at, slots = datetime(2020, 1, 1, 8, 30), []
    for index in range(len(subjects)):
        slots.append(SlotSpec(at.time(), minutes * MINUTE, SlotKind.LESSON))
        at += timedelta(minutes=minutes)
        if index < len(subjects) - 1:
            slots.append(SlotSpec(at.time(), 10 * MINUTE, SlotKind.BREAK, title="课间休息·眼保健操"))
            at += timedelta(minutes=10)
    afternoon = datetime(2020, 1, 1, 14, 0)
    for number, lesson_slot in enumerate((1, 3)):
        start = (afternoon + timedelta(minutes=number * (minutes + 10))).time()
        slots.append(SlotSpec(start, minutes * MINUTE, SlotKind.REPLAY, replay_of=ReplayRef(lesson_slot)))
    week = {day: apply_rota(slots, subjects[day % len(subjects):] + subjects[:day % len(subjects)]) for day in range(5)}
    return WeeklyTemplate.from_weekdays(week)


def demo_channel(grade: int, on_demand_url: str | None = None) -> Channel:
    numbers = (Distributor("华数有线", f"{800 + grade}"), Distributor("电信IPTV", f"{500 + grade}"))
    name = f"嘉兴空中课堂·{GRADE_NAMES[grade]}"
    return Channel(f"grade{grade}.jiaxing.airclass", name, (grade,), numbers, on_demand_url=on_demand_url)


TEST_CHANNEL = Channel("test.jiaxing.airclass", "空中课堂·测试频道", (3,), day_minutes=5, public=False)
ON_DEMAND_PATH = "/watch/{recording}"  # on this service, wherever families reach it (AIRCLASS_PUBLIC_URL)


def test_template() -> WeeklyTemplate:
    """Every day a five-minute broadcast day: a one-minute lesson slot, a half-minute break, filler."""
    slots = (
        SlotSpec(time(6, 0, 30), MINUTE, SlotKind.LESSON, subject="math"),
        SlotSpec(time(6, 1, 30), MINUTE // 2, SlotKind.BREAK, title="课间休息·眼保健操"),
    )
    return WeeklyTemplate.from_weekdays(dict.fromkeys(range(7), slots))


def _channels(sessions: sessionmaker[Session], at: datetime) -> None:
    for grade in range(1, 9):
        channel = demo_channel(grade, ON_DEMAND_PATH)
        save_channel(sessions(), channel, demo_template(grade), at=at, new=True)
    save_channel(sessions(), TEST_CHANNEL, test_template(), at=at, new=True)


PUBLISHED_AHEAD = 7  # days after today the demo publishes, as the nightly publication keeps it


def publication_range(at: datetime) -> tuple[date, int]:
    """The demo's published days: from the Monday of last week (replays, a week of history) through a week
    after today, whatever the weekday; (first day, number of days)."""
    today = at.astimezone(ZoneInfo("Asia/Shanghai")).date()
    first = today - timedelta(days=today.weekday() + 7)
    return first, (today - first).days + PUBLISHED_AHEAD + 1


def _publish_days(sessions: sessionmaker[Session], at: datetime) -> str:
    """Publish the demo's range of days on every channel."""
    first, count = publication_range(at)
    operator = _actor(sessions, "operator").user_id
    lines, summary = [], []
    for channel in [*(demo_channel(grade) for grade in range(1, 9)), TEST_CHANNEL]:
        days = channel_days.publish(sessions(), channel.id, first, count, at=at, by=operator)
        standby = sum(len(d.problems) for d in days)
        lines.append(f"  {channel.name}: {count} days from {first} published, {standby} slots on standby")
        summary.append(timed_jobs.Said("days_published", {"channel": channel.id, "done": len(days), "span": count,
                                                          "first": str(first)}))
    for job_id in timed_jobs.CAUGHT_UP:  # what the nightly jobs would have done is done: no catch-up at start
        timed_jobs.record_success(sessions, job_id, summary, at)
    return "channel days:\n" + "\n".join(lines)


def _actor(sessions: sessionmaker[Session], username: str) -> recordings.Actor:
    with sessions() as session:
        return recordings.actor_for(session.scalars(select(User).where(User.username == username)).one())


def _lesson_id(sessions: sessionmaker[Session], grade: int, code: str, sequence: int) -> int:
    with sessions() as session:
        query = select(Lesson.id).join(Subject).where(
            Lesson.grade == grade, Subject.code == code, Lesson.sequence == sequence
        )
        return session.scalars(query).one()


def _logins() -> str:
    rows = ["admin", "auditor", "operator", "final", "city"]
    rows += [f"county_{c}" for c in COUNTY_LOGINS] + [f"teacher_{c}" for c in COUNTY_LOGINS]
    return f"demo logins (password for all: {DEMO_PASSWORD}):\n  " + "  ".join(rows)
