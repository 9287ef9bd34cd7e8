"""The live channel through the test client: playlists and segments from the public folder, the families' player
page (no sign-in, no inline script, today's programmes for 'on now'), and the vendored hls.js."""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scheduler.services import channel_days
from tests.support.channels_world import CHANNEL, channel_doc, next_monday
from web.pages import live as live_pages

SHANGHAI = ZoneInfo("Asia/Shanghai")
VENDOR = Path(live_pages.__file__).parent.parent / "static" / "vendor" / "hls.js"
PLAYLIST = b"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-STREAM-INF:BANDWIDTH=2000000\n720p.m3u8\n"
SEGMENT = b"\x47" + bytes(187)  # one MPEG-TS packet


def written(settings, name: str, body: bytes) -> Path:  # type: ignore[no-untyped-def]
    path = settings.public / "live" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    return path


@pytest.mark.parametrize(("name", "body", "content_type", "cache_control"), [
    (f"{CHANNEL}/master.m3u8", PLAYLIST, "application/vnd.apple.mpegurl", "public, max-age=1"),
    (f"{CHANNEL}/720p.m3u8", PLAYLIST, "application/vnd.apple.mpegurl", "public, max-age=1"),
    ("sources/math12/720p_00003.ts", SEGMENT, "video/mp2t", "public, max-age=31536000, immutable"),
    ("sources/standby/360p_00000_25f.ts", SEGMENT, "video/mp2t", "public, max-age=31536000, immutable"),
])
def test_playlists_and_segments_go_out_with_their_type_and_caching(client, settings, name, body, content_type,
                                                                   cache_control):
    written(settings, name, body)
    with client.get(f"/live/{name}") as response:
        assert response.status_code == 200 and response.data == body
        assert response.headers["Content-Type"] == content_type
        assert response.headers["Cache-Control"] == cache_control
    with client.get(f"/live/{name}", headers={"If-None-Match": response.headers["ETag"]}) as again:
        assert again.status_code == 304 and again.headers["Cache-Control"] == cache_control


@pytest.mark.parametrize("path", [
    "/live/../secret.m3u8",
    "/live/%2e%2e/secret.m3u8",
    "/live/..%2fsecret.m3u8",
    f"/live/{CHANNEL}/../../secret.m3u8",
    "/live/../feeds/grade3.ics",
    f"/live/{CHANNEL}/.master.m3u8",  # a writer's hidden temporary
    f"/live/{CHANNEL}/notes.txt",
    f"/live/{CHANNEL}/master.m3u8.bak",
    f"/live/{CHANNEL}/poster.jpg",
    f"/live/{CHANNEL}/360p.m3u8",  # not written (yet)
    "/live/missing.ts",
])
def test_nothing_but_the_live_playlists_and_segments_is_served(client, settings, path):
    (settings.public / "feeds").mkdir(parents=True)
    (settings.public / "feeds" / "grade3.ics").write_bytes(b"BEGIN:VCALENDAR not-for-you")
    (settings.public / "secret.m3u8").write_bytes(b"#EXTM3U not-for-you")
    for name in (".master.m3u8", "notes.txt", "master.m3u8.bak", "poster.jpg"):
        written(settings, f"{CHANNEL}/{name}", b"#EXTM3U not-for-you")
    response = client.get(path)
    assert response.status_code == 404 and b"not-for-you" not in response.data


def published_monday(sessions) -> datetime:  # type: ignore[no-untyped-def]
    """Publish next Monday on the test channel; its 08:35 local time, as an aware datetime."""
    monday = next_monday()
    channel_days.publish(sessions(), CHANNEL, monday, 1, at=datetime.now(UTC), by=None)
    return datetime.combine(monday, time(8, 35), tzinfo=SHANGHAI)


def scripts_of(page: str) -> list[str]:
    return re.findall(r"<script\b[^>]*>", page)


@pytest.fixture
def on_monday(sessions, on_air, monkeypatch):  # type: ignore[no-untyped-def]
    moment = published_monday(sessions)
    monkeypatch.setattr(live_pages, "now", lambda: moment.astimezone(UTC))
    return moment


@pytest.mark.ffmpeg
def test_the_player_page_plays_the_grade_channel_with_the_days_programmes(client, on_monday):
    page = client.get("/live/grade3").get_data(as_text=True)
    assert "<h1>三年级直播</h1>" in page and "嘉兴空中课堂·三年级" in page and "正在播出" in page
    assert re.search(rf'<video id="live" [^>]*data-src="/live/{re.escape(CHANNEL)}/master.m3u8"', page)
    found = re.search(r'<script type="application/json" id="programmes">(.*?)</script>', page, re.DOTALL)
    programmes = json.loads(found.group(1))  # type: ignore[union-attr]
    assert [p["title"] for p in programmes] == [
        "三年级 数学 第12课《两位数乘两位数》", "课间休息·眼保健操", "三年级 语文 第1课《秋天的雨》",
        "三年级 数学 第12课《两位数乘两位数》（重播）"]
    first = programmes[0]
    assert datetime.fromisoformat(first["starts"]) == on_monday - timedelta(minutes=5)
    assert first["starts"].endswith("+08:00") and first["ends"] == f"{on_monday.date()}T08:50:00+08:00"
    assert all(p.keys() == {"starts", "ends", "title"} for p in programmes)


@pytest.mark.ffmpeg
def test_the_player_page_has_no_inline_script(client, on_monday):
    response = client.get("/live/grade3")
    page = response.get_data(as_text=True)
    assert scripts_of(page) == [
        '<script type="application/json" id="programmes">',  # data, never run
        '<script src="/static/vendor/hls.js/hls.min.js">', '<script src="/static/live.js">']
    assert "style=" not in page
    assert not re.search(r"<[^>]+\son[a-z]+=", page)  # no event-handler attributes either
    policy = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy and "media-src 'self' blob:" in policy
    for script in ("/static/live.js", "/static/vendor/hls.js/hls.min.js"):
        with client.get(script) as served:
            assert served.status_code == 200


@pytest.mark.ffmpeg
def test_the_player_page_in_english(client, on_monday):
    page = client.get("/live/grade3?lang=en").get_data(as_text=True)
    assert "<h1>Grade 3 live</h1>" in page and "On now" in page and "Times are in Beijing time." in page
    assert "三年级 数学 第12课《两位数乘两位数》" in page  # titles are data, the same in both languages
    assert len(scripts_of(page)) == 3


@pytest.mark.ffmpeg
def test_the_guide_leads_to_the_live_page(client, on_monday):
    page = client.get("/guide/grade3").get_data(as_text=True)
    assert re.search(r'<a class="button" href="/live/grade3">观看直播</a>', page)
    assert 'href="/live/grade3">Watch live</a>' in client.get("/guide/grade3?lang=en").get_data(as_text=True)


@pytest.mark.ffmpeg
def test_a_grade_with_several_channels_picks_one_and_unknown_ones_are_404(client, on_monday, api_as):
    second = channel_doc(id="grade3.second.airclass", name="嘉兴空中课堂·三年级二台")
    assert api_as("admin").post("/api/channels/", json=second).status_code == 201
    page = client.get("/live/grade3").get_data(as_text=True)  # the first in the guide's order
    assert 'data-src="/live/grade3.second.airclass/master.m3u8"' in page
    assert '<script type="application/json" id="programmes">[]</script>' in page  # its day is not published
    assert f'href="/live/grade3?channel={CHANNEL}">嘉兴空中课堂·三年级</a>' in page
    other = client.get(f"/live/grade3?channel={CHANNEL}").get_data(as_text=True)
    assert f'data-src="/live/{CHANNEL}/master.m3u8"' in other and "两位数乘两位数" in other
    assert 'href="/live/grade3?channel=grade3.second.airclass">嘉兴空中课堂·三年级二台</a>' in other
    assert client.get("/live/grade3?channel=grade3.nothing.airclass").status_code == 404
    assert client.get("/live/grade9").status_code == 404


def test_the_vendored_hls_js_is_the_pinned_version_with_its_licence():
    pinned = re.search(r"Package: hls\.js, version: (1\.\d+\.\d+)", (VENDOR / "README.md").read_text())
    assert pinned, "README.md names the pinned version"
    code = (VENDOR / "hls.min.js").read_text()
    assert re.findall(r'var \w+="(\d+\.\d+\.\d+)"', code) == [pinned.group(1)]  # hls.js's own version constant
    assert f"npm pack hls.js@{pinned.group(1)}" in (VENDOR / "README.md").read_text()
    assert "Apache License" in (VENDOR / "LICENSE").read_text()
