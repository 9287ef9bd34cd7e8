"""The attack corpus against the real upload API: every hostile file is refused or made harmless.

A canary file lies outside the media store; every playlist, manifest and the GAB2 AVI point at
it. Whatever happens, its content must appear in no response, no log line and no stored file,
nothing may stay in incoming/, and the service must go on accepting real lessons.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import secrets
from pathlib import Path

import pytest

from media.errors import FfmpegFailed, UnsupportedMedia
from media.probe import media_probe_from_json, probe_upload
from media.runner import DEMUXERS, FfmpegTool, ffmpeg_argv, input_options, store_input
from scheduler.domain.catalogue import UploadTooLarge
from scheduler.store.media_store import MediaStore, display_filename
from tests.security.corpus import NEUTRALISED, REJECTED, Attack, attack_names, corpus, gab2_avi, hls_playlist

pytestmark = pytest.mark.ffmpeg

SERVER_NAME = re.compile(r"recordings/[0-9a-f]{32}\.mp4")
UNSHOWABLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture
def canary(tmp_path: Path) -> tuple[Path, str]:
    """A secret file outside the media store, and its content."""
    secret = f"AIRCLASS-CANARY-{secrets.token_hex(12)}"
    path = tmp_path / "outside" / "canary.txt"
    path.parent.mkdir()
    path.write_text(secret + "\n")
    return path, secret


@pytest.fixture(scope="session")
def clip(clips: dict[str, Path]) -> bytes:
    """A real 1-second lesson clip (H.264 + AAC in MP4)."""
    return clips["lesson_1s_b.mp4"].read_bytes()


@pytest.fixture
def watch(caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """Everything the process logged or printed, gathered on demand."""
    caplog.set_level(logging.DEBUG)

    def seen() -> str:
        out, err = capfd.readouterr()
        return caplog.text + out + err

    return seen


def store_files(media_dir: Path) -> list[str]:
    return sorted(str(p.relative_to(media_dir)) for p in media_dir.rglob("*") if p.is_file())


def upload(api, lesson_id: int, payload: bytes, filename: str):  # type: ignore[no-untyped-def]
    return api.post(
        f"/api/lessons/{lesson_id}/recordings",
        data={"file": (io.BytesIO(payload), filename)},
        content_type="multipart/form-data",
    )


def assert_outcome(attack: Attack, response, media_dir: Path) -> None:  # type: ignore[no-untyped-def]
    """Rejected with a 4xx problem naming the reason, or accepted under a server-made name only."""
    body = response.get_json()
    if attack.outcome == REJECTED:
        assert 400 <= response.status_code < 500, body
        assert response.mimetype == "application/problem+json"
        assert attack.reason in body["detail"].lower(), body
        assert not re.search(r"0x[0-9a-f]{6,}|/tmp/", body["detail"]), body  # no memory addresses, no paths
        assert store_files(media_dir) == []
        return
    assert response.status_code == 201, body
    kept = store_files(media_dir)
    assert len(kept) == 1 and SERVER_NAME.fullmatch(kept[0]), kept
    assert body["checksum"] == hashlib.sha256(attack.payload).hexdigest()
    assert body["checksum"] == hashlib.sha256((media_dir / kept[0]).read_bytes()).hexdigest()
    shown = body["original_filename"]
    assert not UNSHOWABLE.search(shown) and "/" not in shown and 0 < len(shown) <= 255


def assert_no_canary(secret: str, media_dir: Path, *texts: str) -> None:
    for text in texts:
        assert secret not in text
    for path in media_dir.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


def test_corpus_covers_every_kind_of_attack(canary, clip) -> None:  # type: ignore[no-untyped-def]
    names = {attack.name for attack in corpus(str(canary[0]), clip)}
    assert {"gab2-avi", "hls-as-mp4", "ffconcat-as-mp4", "dash-xml-as-mp4", "svg-as-mp4", "truncated-mp4"} <= names
    assert {"moov-cut", "mdat-flipped", "zero-bytes", "name-dotdot", "name-dash", "name-nul", "name-long"} <= names


@pytest.mark.parametrize("name", attack_names())
def test_each_attack_is_refused_or_neutralised(api_as, world, settings, canary, clip, watch, name, tmp_path) -> None:
    attack = next(a for a in corpus(str(canary[0]), clip) if a.name == name)
    response = upload(api_as("teacher_a"), world.lesson_a, attack.payload, attack.filename)
    assert_outcome(attack, response, settings.media_dir)
    assert_no_canary(canary[1], settings.media_dir, response.get_data(as_text=True), watch())
    assert sorted(p.name for p in canary[0].parent.iterdir()) == ["canary.txt"]
    assert not list(tmp_path.rglob("cron.d")) and not list(tmp_path.rglob("*.sh.mp4"))


def test_unicode_names_survive_byte_for_byte_as_metadata(api_as, world, clip) -> None:  # type: ignore[no-untyped-def]
    name = "三年级 数学 第1课《两位数乘两位数》（定稿）.mp4"
    response = upload(api_as("teacher_a"), world.lesson_a, clip, name)
    assert response.status_code == 201
    assert response.get_json()["original_filename"].encode() == name.encode()


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "streamed"])
def test_oversize_upload_is_413_and_leaves_nothing(api_as, world, settings, watch, tmp_path, declared) -> None:
    boundary = "airclass-attack"
    body = tmp_path / "body.bin"
    with body.open("wb") as out:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.mp4"\r\n'.encode())
        out.write(b"Content-Type: video/mp4\r\n\r\n\0\0\0\x18ftypisom" + b"\0" * (settings.max_upload_bytes + 4096))
        out.write(f"\r\n--{boundary}--\r\n".encode())
    length = {"content_length": body.stat().st_size} if declared else {"environ_base": {"wsgi.input_terminated": True}}
    with body.open("rb") as stream:
        response = api_as("teacher_a").post(
            f"/api/lessons/{world.lesson_a}/recordings",
            input_stream=stream,
            content_type=f"multipart/form-data; boundary={boundary}",
            **length,
        )
    assert response.status_code == 413 and response.mimetype == "application/problem+json"
    assert store_files(settings.media_dir) == []


def test_the_store_itself_stops_at_its_limit(tmp_path: Path) -> None:
    store = MediaStore(tmp_path / "media", max_upload_bytes=1000)
    with pytest.raises(UploadTooLarge):
        store.receive(io.BytesIO(b"\0" * 1001))
    assert store_files(tmp_path / "media") == []
    assert store.receive(io.BytesIO(b"\0" * 1000)).size_bytes == 1000


def test_the_service_keeps_serving_after_the_whole_corpus(api_as, world, settings, canary, clip, watch) -> None:
    teacher = api_as("teacher_a")
    attacks = corpus(str(canary[0]), clip)
    bodies = [upload(teacher, world.lesson_a, a.payload, a.filename).get_data(as_text=True) for a in attacks]
    normal = upload(teacher, world.lesson_a, clip, "第12课.mp4")
    assert normal.status_code == 201, normal.get_json()
    accepted = sum(a.outcome == NEUTRALISED for a in attacks) + 1
    assert normal.get_json()["revision"] == accepted
    listing = teacher.get("/api/recordings/")
    assert listing.status_code == 200 and listing.get_json()["total"] == accepted
    assert not list((settings.media_dir / "incoming").iterdir())
    assert_no_canary(canary[1], settings.media_dir, *bodies, listing.get_data(as_text=True), watch())


def test_the_recordings_route_never_serves_a_name_it_did_not_make(tmp_path: Path) -> None:
    store = MediaStore(tmp_path / "media", max_upload_bytes=1000)
    for name in ["../../outside/canary.txt", "/etc/passwd", "-i.mp4", "a/b.mp4", ".hidden.mp4", ""]:
        with pytest.raises(Exception, match="outside the media store"):
            store.recording_path(name)
    assert store.recording_path("0" * 32 + ".mp4").parent == store.recordings_dir


# --- the GAB2 AVI straight at media.probe and media.runner ---------------------------------------


@pytest.fixture
def gab2_store(tmp_path: Path, canary) -> Path:  # type: ignore[no-untyped-def]
    root = tmp_path / "store"
    root.mkdir()
    url = f"file://{canary[0]}"
    (root / "gab2.avi").write_bytes(gab2_avi(hls_playlist(url, str(canary[0]))))
    return root


def test_probe_refuses_the_gab2_avi_before_ffprobe_runs(gab2_store: Path) -> None:
    class NeverRuns(FfmpegTool):
        def probe(self, path: Path, demuxer: str) -> dict:  # type: ignore[type-arg]
            raise AssertionError("ffprobe must not see an AVI")

    with pytest.raises(UnsupportedMedia, match="container 'avi' is not accepted"):
        probe_upload(Path("gab2.avi"), gab2_store, NeverRuns())


def test_no_whitelisted_demuxer_reads_the_gab2_avi(gab2_store: Path, canary) -> None:  # type: ignore[no-untyped-def]
    assert "avi" not in DEMUXERS.values() and "hls" not in DEMUXERS.values()
    for container, demuxer in DEMUXERS.items():
        assert input_options(demuxer)["protocol_whitelist"] == "file"
        try:
            data = FfmpegTool().probe(gab2_store / "gab2.avi", demuxer)
        except FfmpegFailed as error:
            assert canary[1] not in error.stderr_tail
            continue
        assert canary[1] not in str(data)
        with pytest.raises(UnsupportedMedia):
            media_probe_from_json(data, container)


def test_a_transcode_through_the_runner_refuses_the_gab2_avi(gab2_store: Path, canary) -> None:  # type: ignore[no-untyped-def]
    target = gab2_store / "out.ts"
    stream = store_input(Path("gab2.avi"), gab2_store, "mp4")
    argv = ffmpeg_argv(stream.output(f"file:{target}", f="mpegts"))
    assert argv[argv.index("-protocol_whitelist") + 1] == "file" and argv[argv.index("-f") + 1] == "mov"
    with pytest.raises(FfmpegFailed) as failed:
        FfmpegTool().run(argv, timeout=60)
    assert canary[1] not in failed.value.stderr_tail
    assert not target.exists() or canary[1].encode() not in target.read_bytes()


@pytest.mark.parametrize(
    ("original", "shown"),
    [
        ("../../../../etc/cron.d/lesson.mp4", "lesson.mp4"),
        ("C:\\Users\\王老师\\第12课.mp4", "第12课.mp4"),
        ("lesson\x00.sh.mp4", "lesson.sh.mp4"),
        ("第1课\u202egpj.mp4", "第1课gpj.mp4"),
        ("-f lavfi -i nullsrc.mp4", "-f lavfi -i nullsrc.mp4"),
        ("\ud800.mp4", ".mp4"),
        ("../", "upload"),
        ("课" * 300, "课" * 255),
    ],
)
def test_the_original_name_is_kept_only_as_harmless_metadata(original: str, shown: str) -> None:
    assert display_filename(original) == shown
