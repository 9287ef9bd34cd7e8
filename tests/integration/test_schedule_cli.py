"""`airclass schedule` and `airclass export` as cron and operators call them."""
from __future__ import annotations

import icalendar
import pytest

from tests.support.channels_world import CHANNEL, next_monday
from web.cli import cli

pytestmark = pytest.mark.ffmpeg


def test_publish_report_and_export_from_the_command_line(on_air, app, tmp_path):
    runner = app.test_cli_runner()
    monday = str(next_monday())
    published = runner.invoke(cli, ["schedule", "publish", "--grade", "3", "--from", monday, "--days", "2"])
    assert published.exit_code == 0, published.output
    assert f"{CHANNEL} {monday} v1 published: published" in published.output
    report = runner.invoke(cli, ["schedule", "report", "--channel", CHANNEL, "--from", monday, "--days", "2"])
    assert "filled    三年级 数学 第12课《两位数乘两位数》" in report.output
    out = tmp_path / "guide.xml"
    exported = runner.invoke(cli, ["export", "xmltv", "--grade", "3", "--from", monday, "--days", "2", "-o", str(out)])
    assert exported.exit_code == 0, exported.output
    assert "嘉兴空中课堂·三年级".encode() in out.read_bytes()
    ics = tmp_path / "math.ics"
    assert runner.invoke(cli, ["export", "ical", "--grade", "3", "--subject", "math", "-o", str(ics)]).exit_code == 0
    assert len(icalendar.Calendar.from_ical(ics.read_bytes()).walk("VEVENT")) == 4


def test_nothing_published_or_nothing_matching_exits_non_zero_with_a_message(on_air, app, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "playlist.json"
    missing = runner.invoke(cli, ["export", "playlist", "--channel", CHANNEL, "--from", str(next_monday()), "-o", str(out)])
    assert missing.exit_code == 1 and "no published day" in missing.output and not out.exists()
    nobody = runner.invoke(cli, ["schedule", "assemble", "--grade", "9"])
    assert nobody.exit_code == 1 and "no channel carries grade 9" in nobody.output


def test_media_commands_refuse_what_they_cannot_do_with_a_message(on_air, app, clips):
    runner = app.test_cli_runner()
    nobody = runner.invoke(cli, ["media", "ingest", str(clips["lesson_2s.mp4"]), "--lesson", "1", "--teacher", "nobody"])
    assert nobody.exit_code == 1 and "nobody" in nobody.output
    unpublished = runner.invoke(cli, ["media", "render-day", "--channel", CHANNEL, "--date", str(next_monday())])
    assert unpublished.exit_code == 1 and "no published day" in unpublished.output
