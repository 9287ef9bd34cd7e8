"""Build the attack corpus in memory: hostile files and names aimed at the upload path (nothing committed)."""

from __future__ import annotations

import struct
from dataclasses import dataclass

# Where each case should end: refused with a 4xx naming the problem, or accepted as the real video it is.
REJECTED, NEUTRALISED = "rejected", "neutralised"


@dataclass(frozen=True)
class Attack:
    """One upload: the bytes, the file name the client claims, and what the service must do."""

    name: str
    payload: bytes
    filename: str
    outcome: str
    reason: str = ""  # a word the 4xx detail must contain (lowercase)


def riff_chunk(fourcc: bytes, payload: bytes) -> bytes:
    """A RIFF chunk: FOURCC, little-endian size, payload padded to an even length."""
    return fourcc + struct.pack("<I", len(payload)) + payload + b"\0" * (len(payload) % 2)


def riff_list(kind: bytes, *chunks: bytes) -> bytes:
    """A RIFF LIST of a kind (hdrl, strl, movi)."""
    return riff_chunk(b"LIST", kind + b"".join(chunks))


def gab2_avi(playlist: str, dummy_frames: int = 50) -> bytes:
    """An AVI whose GAB2 subtitle chunk carries an HLS playlist (the 2017 ffmpeg file-disclosure shape).

    ffmpeg's AVI demuxer used to probe a GAB2 chunk's content with every demuxer, so an HLS
    playlist hidden there made ffmpeg open the files it names and render them into the output.
    """
    avih = struct.pack("<14I", 40000, 0, 0, 0x10, dummy_frames, 0, 1, 0x100000, 160, 160, 0, 0, 0, 0)
    strh = struct.pack(
        "<4s4sIHHIIIIIIIIhhhh", b"txts", b"\0" * 4, 0, 0, 0, 0, 1, 25, 0, dummy_frames, 0, 0, 0, 0, 0, 0, 0
    )
    strf = struct.pack("<IiiHH4sIiiII", 40, 160, 160, 1, 24, b"XVID", 160 * 160 * 3, 0, 0, 0, 0)
    header = riff_list(
        b"hdrl", riff_chunk(b"avih", avih), riff_list(b"strl", riff_chunk(b"strh", strh), riff_chunk(b"strf", strf))
    )
    # GAB2, version 2, a zero-length stream name, then the subtitle file itself.
    gab2 = b"GAB2\x00\x02\x00" + b"\x00" * 10 + playlist.encode()
    frames = [riff_chunk(b"00dc", b"\0\0\0") for _ in range(dummy_frames)]
    movie = riff_list(b"movi", riff_chunk(b"00tx", gab2), *frames)
    body = b"AVI " + header + movie
    return b"RIFF" + struct.pack("<I", len(body)) + body


def hls_playlist(*uris: str) -> str:
    """An HLS media playlist whose segments are these URIs."""
    segments = "".join(f"#EXTINF:1.0,\n{uri}\n" for uri in uris)
    return f"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n{segments}#EXT-X-ENDLIST\n"


def mp4_box(kind: bytes, payload: bytes) -> bytes:
    """An ISO BMFF box."""
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def boxes(mp4: bytes) -> list[tuple[bytes, int, int]]:
    """The top-level boxes of an MP4: (kind, offset, size)."""
    found, offset = [], 0
    while offset + 8 <= len(mp4):
        size = int.from_bytes(mp4[offset : offset + 4], "big")
        found.append((mp4[offset + 4 : offset + 8], offset, size))
        offset += max(size, 8)
    return found


def box(mp4: bytes, kind: bytes) -> tuple[int, int]:
    """Offset and size of the first top-level box of a kind."""
    return next((offset, size) for name, offset, size in boxes(mp4) if name == kind)


def flip_mdat(mp4: bytes, every: int = 97) -> bytes:
    """Invert bytes throughout the media data, leaving the boxes that describe it intact."""
    start, size = box(mp4, b"mdat")
    data = bytearray(mp4)
    for index in range(start + 16, start + size, every):
        data[index] ^= 0xFF
    return bytes(data)


def cut_moov(mp4: bytes) -> bytes:
    """Keep the file up to the middle of its moov box (an upload cut off at the end)."""
    start, size = box(mp4, b"moov")
    return mp4[: start + size // 2]


CONTAINER_BOXES = {b"moov", b"trak", b"mdia", b"minf", b"stbl"}


def _shift_chunk_offsets(payload: bytes, shift: int) -> bytes:
    """Add shift to every stco/co64 entry inside a box payload (walking into container boxes)."""
    out, offset = bytearray(), 0
    while offset + 8 <= len(payload):
        size, kind = int.from_bytes(payload[offset : offset + 4], "big"), payload[offset + 4 : offset + 8]
        size = max(size, 8)
        inner = payload[offset + 8 : offset + size]
        if kind in CONTAINER_BOXES:
            inner = _shift_chunk_offsets(inner, shift)
        elif kind in (b"stco", b"co64"):
            width, count = (4, 8)[kind == b"co64"], int.from_bytes(inner[4:8], "big")
            entries = [int.from_bytes(inner[8 + i * width : 8 + (i + 1) * width], "big") + shift for i in range(count)]
            inner = inner[:8] + b"".join(e.to_bytes(width, "big") for e in entries)
        out += mp4_box(kind, inner)
        offset += size
    return bytes(out)


def faststart(mp4: bytes) -> bytes:
    """Move the moov box before mdat (as `-movflags +faststart` does), fixing the chunk offsets."""
    moov_at, moov_size = box(mp4, b"moov")
    moov = mp4[moov_at : moov_at + moov_size]
    mdat_at, _ = box(mp4, b"mdat")
    moved = _shift_chunk_offsets(moov, moov_size)
    return mp4[:mdat_at] + moved + mp4[mdat_at:moov_at] + mp4[moov_at + moov_size :]


def corpus(canary_path: str, clip: bytes) -> list[Attack]:
    """Every hostile upload, aimed at a canary file outside the media store; `clip` is a real tiny MP4."""
    url = f"file://{canary_path}"
    playlist = hls_playlist(url, canary_path, "http://127.0.0.1:9/lesson.ts")
    text = [
        Attack("gab2-avi", gab2_avi(hls_playlist(url, canary_path)), "lesson.mp4", REJECTED, "avi"),
        Attack("hls-as-mp4", playlist.encode(), "lesson.mp4", REJECTED, "hls playlist"),
        Attack("hls-bom-crlf", b"\xef\xbb\xbf\r\n" + playlist.replace("\n", "\r\n").encode(), "l.mp4", REJECTED, "hls"),
        Attack(
            "ffconcat-as-mp4",
            f"ffconcat version 1.0\nfile '{canary_path}'\nfile '{url}'\n".encode(),
            "a.mp4",
            REJECTED,
            "ffconcat",
        ),
        Attack("dash-xml-as-mp4", _dash(url).encode(), "lesson.mp4", REJECTED, "xml"),
        Attack("svg-as-mp4", _svg(url).encode(), "lesson.mp4", REJECTED, "xml"),
        Attack(
            "smil-as-mp4", f'<smil><body><video src="{url}"/></body></smil>'.encode(), "lesson.mp4", REJECTED, "smil"
        ),
        Attack(
            "mp4-box-then-hls", mp4_box(b"ftyp", b"isom\0\0\2\0isom") + playlist.encode(), "x.mp4", REJECTED, "ffprobe"
        ),
        Attack("ts-sync-then-hls", _ts_polyglot(playlist), "x.ts", REJECTED, "video"),
    ]
    broken = [
        Attack("truncated-mp4", clip[: len(clip) // 2], "lesson.mp4", REJECTED, "ffprobe"),
        Attack("moov-cut", cut_moov(clip), "lesson.mp4", REJECTED, "cut short"),
        Attack("mdat-flipped", flip_mdat(clip), "lesson.mp4", NEUTRALISED),
        Attack("faststart-whole", faststart(clip), "lesson.mp4", NEUTRALISED),
        Attack("faststart-cut-in-mdat", faststart(clip)[: len(clip) * 3 // 4], "lesson.mp4", REJECTED, "cut short"),
        Attack("zero-bytes", b"", "lesson.mp4", REJECTED, "empty"),
    ]
    names = [
        Attack("name-dotdot", clip, "../../../../etc/cron.d/lesson.mp4", NEUTRALISED),
        Attack("name-dash", clip, "-f lavfi -i nullsrc.mp4", NEUTRALISED),
        Attack("name-nul", clip, "lesson\x00.sh.mp4", NEUTRALISED),
        Attack("name-long", clip, "课" * 2000 + ".mp4", NEUTRALISED),
        Attack("name-unicode", clip, "三年级 数学 第1课《两位数乘两位数》\u202egpj.mp4", NEUTRALISED),
        Attack("name-crlf", clip, "lesson\r\nX-Injected: 1.mp4", REJECTED, "file"),  # breaks the multipart header,
    ]
    return text + broken + names


def attack_names() -> list[str]:
    """The corpus's case names, for test ids (built over a skeleton MP4)."""
    skeleton = mp4_box(b"ftyp", b"isom") + mp4_box(b"mdat", bytes(64)) + mp4_box(b"moov", mp4_box(b"free", b""))
    return [attack.name for attack in corpus("/canary", skeleton)]


def _dash(url: str) -> str:
    """A DASH manifest whose BaseURL points at the canary."""
    return (
        '<?xml version="1.0"?>\n<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static">'
        f'<BaseURL>{url}</BaseURL><Period><AdaptationSet><Representation id="1" bandwidth="1">'
        "<SegmentBase/></Representation></AdaptationSet></Period></MPD>\n"
    )


def _svg(url: str) -> str:
    """SVG with an external entity and an xlink to the canary."""
    return (
        f'<!DOCTYPE svg [<!ENTITY canary SYSTEM "{url}">]>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        f'<image xlink:href="{url}"/><text>&canary;</text></svg>\n'
    )


def _ts_polyglot(playlist: str) -> bytes:
    """Three MPEG-TS sync bytes in the right places, an HLS playlist in between."""
    packet = bytearray(b"\xff" * 188)
    packet[0] = 0x47
    text = playlist.encode()[:180]
    packet[4 : 4 + len(text)] = text
    return bytes(packet) * 4
