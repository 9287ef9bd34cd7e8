"""Unit tests of operator playlists: JSON against its schema, CSV for spreadsheets, the as-run log."""

import csv
import io
import json
import re
from datetime import date, time
from pathlib import PurePosixPath

import pytest
from hypothesis import given, settings
from jsonschema import Draft202012Validator

from scheduler.domain.assembly import assemble_day
from scheduler.domain.channels import SlotKind, SlotSpec
from scheduler.domain.plan import Clip, Event
from scheduler.exports.playlist import CSV_COLUMNS, SCHEMA_PATH, to_as_run, to_csv, to_json
from tests.support.clips import filler_clips
from tests.unit.test_assembly import CLIPS, DAY, M, catalogues, grade_channel, sample_day, school_day, templates

SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)


def playout(event: Event) -> str:
    """The playout rendition of an event's media: /playout/<stem>.ts."""
    return f"/playout/{PurePosixPath(event.media).stem}.ts"


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_json_follows_the_schema_and_tiles_the_day() -> None:
    document = json.loads(to_json(grade_channel(), sample_day(), rendition=playout))
    VALIDATOR.validate(document)
    items = document["items"]
    assert (document["start"], document["frames"], document["timecode"]) == (
        "2020-02-10T06:00:00.000+08:00",
        2_160_000,
        "24:00:00:00",
    )
    assert sum(i["duration_frames"] for i in items) == document["frames"]
    assert [i["start_frame"] for i in items[1:]] == [i["start_frame"] + i["duration_frames"] for i in items[:-1]]
    assert [i["index"] for i in items] == list(range(1, len(items) + 1))


def test_a_lesson_item_names_its_rendition_and_points() -> None:
    items = json.loads(to_json(grade_channel(), sample_day(), rendition=playout))["items"]
    lesson = next(i for i in items if i["kind"] == "lesson")
    assert lesson == {
        "index": 2,
        "start": "2020-02-10T08:50:00.000+08:00",
        "start_frame": 170 * M,
        "duration_frames": 17 * M - 7,
        "duration_timecode": "00:16:59:18",
        "kind": "lesson",
        "slot": 1,
        "title": "三年级 数学 第1课《数学课1》",
        "source": "/playout/11.ts",
        "in_point": 0,
        "out_point": 17 * M - 7,
        "passes": 1,
        "pass_frames": 17 * M - 7,
        "recording_id": 11,
    }


def test_the_passes_of_a_looped_clip_are_one_item() -> None:
    items = json.loads(to_json(grade_channel(), sample_day(), rendition=playout))["items"]
    tail = items[2]  # six 30-second slate passes after the lesson, the seventh trimmed to 7 frames
    assert tail == {
        "index": 3,
        "start": "2020-02-10T09:06:59.720+08:00",
        "start_frame": 170 * M + 17 * M - 7,
        "duration_frames": 3 * M + 7,
        "duration_timecode": "00:03:00:07",
        "kind": "tail_filler",
        "slot": 1,
        "title": "嘉兴空中课堂",
        "source": "/playout/slate.ts",
        "in_point": 0,
        "out_point": 7,
        "passes": 7,
        "pass_frames": 30 * 25,
        "recording_id": None,
    }
    assert items[3]["start_frame"] == 190 * M and items[3]["kind"] == "break"


def unrolled(item: dict) -> list[tuple[int, int, str, int, int]]:
    """The passes an item stands for: (start frame, length, source, in, out) each."""
    full, start = item["pass_frames"], item["start_frame"]
    rows = [
        (start + n * full, full, item["source"], item["in_point"], item["in_point"] + full)
        for n in range(item["passes"] - 1)
    ]
    last = item["out_point"] - item["in_point"]
    return [*rows, (start + (item["passes"] - 1) * full, last, item["source"], item["in_point"], item["out_point"])]


def test_a_demo_like_day_of_ten_second_slates_is_a_page_not_a_phone_book() -> None:
    clips = filler_clips({"standby": 10, "eye-exercise": 30, "slate": 10, "programme-filler": 10})
    day = assemble_day(grade_channel(), DAY, school_day(), [], clips)  # standby in every lesson slot
    assert len(day.events) > 8_000  # one event per ten-second pass
    document = json.loads(to_json(grade_channel(), day))
    VALIDATOR.validate(document)
    items = document["items"]
    assert len(items) <= 20  # 8 slots and the filler between them
    assert [p for item in items for p in unrolled(item)] == [
        (e.start, e.length, e.media, e.in_point, e.out_point) for e in day.events
    ]
    rows = list(csv.reader(io.StringIO(to_csv(grade_channel(), day).decode("utf-8-sig"))))
    assert len(rows) == len(items) + 1 and len(to_as_run(grade_channel(), day).splitlines()) == len(items) + 1


def test_chinese_is_written_as_utf8_not_escapes() -> None:
    document = to_json(grade_channel(), sample_day())
    assert "嘉兴空中课堂·三年级".encode() in document and b"\\u" not in document


def test_times_carry_the_offset_of_their_instant() -> None:
    berlin = grade_channel(3, "Europe/Berlin")
    night = SlotSpec(time(4, 0), 10 * M, SlotKind.FILLER)  # after the clocks go forward at 02:00
    spring = assemble_day(berlin, date(2020, 3, 28), (*school_day(), night), [], CLIPS)
    document = json.loads(to_json(berlin, spring))
    VALIDATOR.validate(document)
    assert document["frames"] == 23 * 3600 * 25 and document["timecode"] == "23:00:00:00"
    starts = [item["start"] for item in document["items"]]
    assert starts[0].endswith("+01:00") and starts[-2] == "2020-03-29T04:00:00.000+02:00"


def test_csv_opens_in_excel_with_chinese_intact() -> None:
    data = to_csv(grade_channel(), sample_day(), rendition=playout)
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == 15 + 1
    assert rows[2] == [
        "2",
        "2020-02-10T08:50:00.000+08:00",
        str(170 * M),
        str(17 * M - 7),
        "00:16:59:18",
        "lesson",
        "1",
        "三年级 数学 第1课《数学课1》",
        "/playout/11.ts",
        "0",
        str(17 * M - 7),
        "1",
        str(17 * M - 7),
    ]
    assert rows[3][-2:] == ["7", "750"]  # the tail filler's seven slate passes
    assert rows[1][6] == ""  # filler between slots has no slot


@pytest.mark.parametrize("title", ['=HYPERLINK("http://x")', "+1", "-1", "@SUM(A1)"])
def test_csv_cells_never_become_formulas(title: str) -> None:
    clips = {**CLIPS, "programme-filler": Clip("programme-filler", 60 * M, title, "f")}
    data = to_csv(grade_channel(), assemble_day(grade_channel(), DAY, (), [], clips))
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1][7] == f"'{title}"


def test_the_as_run_log_has_a_line_per_item() -> None:
    log = to_as_run(grade_channel(), sample_day(), rendition=playout).decode("utf-8").splitlines()
    assert log[0] == "# grade3.jiaxing.airclass 嘉兴空中课堂·三年级 2020-02-10 Asia/Shanghai 25 fps"
    assert len(log) == 15 + 1
    assert log[2] == "2020-02-10 08:50:00:00  00:16:59:18  lesson  /playout/11.ts  ×1  三年级 数学 第1课《数学课1》"
    assert log[3] == "2020-02-10 09:06:59:18  00:03:00:07  tail_filler  /playout/slate.ts  ×7  嘉兴空中课堂"
    assert log[-1] == "2020-02-10 15:05:00:00  14:55:00:00  filler  /playout/programme-filler.ts  ×15  防疫知识"


def test_a_day_of_another_channel_is_refused() -> None:
    with pytest.raises(ValueError, match=re.escape("grade1.jiaxing.airclass")):
        to_json(grade_channel(3), sample_day(1, 15))


@settings(max_examples=100, deadline=None)
@given(templates(), catalogues())
def test_every_assembled_day_makes_a_valid_playlist(slots: tuple, plan: list) -> None:
    day = assemble_day(grade_channel(), DAY, slots, plan, CLIPS)
    document = json.loads(to_json(grade_channel(), day))
    VALIDATOR.validate(document)
    assert sum(i["duration_frames"] for i in document["items"]) == document["frames"] == 2_160_000
    assert [p for item in document["items"] for p in unrolled(item)] == [
        (e.start, e.length, e.media, e.in_point, e.out_point) for e in day.events
    ]
