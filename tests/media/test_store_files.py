"""The media package's file rules: the store's containment check, writing beside and renaming, checksums."""

from __future__ import annotations

from pathlib import Path

import pytest

from media.atomic_write import atomic_output, atomic_write_bytes, staging_dir
from media.checksum import sha256_file
from media.errors import MediaNotFound, OutsideMediaStore
from media.store_paths import output_in_store, path_in_store


def test_atomic_write_replaces_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "grade3.ics"
    target.write_bytes(b"old")
    atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["grade3.ics"]


def test_a_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "grade3.ics"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_output(target) as temp:
        temp.write_bytes(b"half")
        raise RuntimeError("writer died")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["grade3.ics"]


def test_the_temporary_is_hidden_keeps_the_suffix_and_may_lie_in_a_scratch_folder(tmp_path: Path) -> None:
    scratch = tmp_path / "work"
    scratch.mkdir()
    with atomic_output(tmp_path / "day.ts", scratch=scratch) as temp:
        assert temp.parent == scratch and temp.name.startswith(".") and temp.suffix == ".ts"
        temp.write_bytes(b"ts")
    assert (tmp_path / "day.ts").read_bytes() == b"ts" and list(scratch.iterdir()) == []


def test_staging_dir_swaps_a_folder_in_or_refuses_to_replace_one(tmp_path: Path) -> None:
    target = tmp_path / "renditions" / "lesson"
    for text in ("first", "second"):
        with staging_dir(target) as temp:
            (temp / "manifest.json").write_text(text)
    assert (target / "manifest.json").read_text() == "second"
    with pytest.raises(OSError), staging_dir(target, replace=False) as temp:
        (temp / "manifest.json").write_text("third")
    assert (target / "manifest.json").read_text() == "second"
    assert [p.name for p in target.parent.iterdir()] == ["lesson"]


def test_path_in_store_takes_outputs_that_do_not_exist_yet_but_nothing_outside(tmp_path: Path) -> None:
    assert path_in_store("renditions/new/cable.ts", tmp_path) == tmp_path.resolve() / "renditions/new/cable.ts"
    assert output_in_store(Path("days/a.ts"), tmp_path) == tmp_path.resolve() / "days/a.ts"
    for outside in ("../elsewhere.ts", "/etc/passwd"):
        with pytest.raises(OutsideMediaStore):
            path_in_store(outside, tmp_path)
    with pytest.raises(MediaNotFound):
        path_in_store("missing.mp4", tmp_path, must_exist=True)


def test_sha256_reports_the_percent_read(tmp_path: Path) -> None:
    clip = tmp_path / "clip.bin"
    clip.write_bytes(bytes(2 * 1024 * 1024 + 1))
    seen: list[float] = []
    assert sha256_file(clip, seen.append) == sha256_file(clip)
    assert seen[-1] == 100.0 and seen == sorted(seen) and len(seen) == 3
