"""Paths in the media store: the one containment check, which every reader and writer of the store goes through."""

from __future__ import annotations

from pathlib import Path

from media.errors import MediaNotFound, OutsideMediaStore


def path_in_store(path: str | Path, store_root: Path, *, must_exist: bool = False) -> Path:
    """Resolve path against store_root, following symlinks and `..`, and require the result inside the store.

    Raises OutsideMediaStore for a path that resolves elsewhere (an absolute path is taken as it is);
    must_exist: the store and the file must exist, MediaNotFound otherwise.
    """
    path = Path(path)
    try:
        root = store_root.resolve(strict=must_exist)
        resolved = (root / path).resolve(strict=must_exist)
    except FileNotFoundError:
        raise MediaNotFound(path) from None
    if not resolved.is_relative_to(root):
        raise OutsideMediaStore(path)
    return resolved


def resolve_in_store(path: Path, store_root: Path) -> Path:
    """Resolve an existing file (following symlinks) and require it to lie inside store_root."""
    return path_in_store(path, store_root, must_exist=True)


def output_in_store(path: Path, store_root: Path) -> Path:
    """Resolve where an output will be written (it need not exist yet, the store must) and require it inside."""
    return path_in_store(path, store_root.resolve(strict=True))
