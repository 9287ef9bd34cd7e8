"""Catalogue errors and values shared by the services: pure, standard library only.

CatalogueError
 ├── NotFound          (kind, key): no such lesson, user, ... visible to the caller
 ├── AlreadyExists     (kind, key)
 ├── InvalidInput      (field, message): a value that breaks a catalogue rule
 │    └── TextTooLong  (field, limit, length): longer than where it is stored holds
 └── UploadRejected    (reason): an upload that is not an acceptable lesson video
      └── UploadTooLarge (limit_bytes)
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

GRADES = range(1, 13)
GRADE_NAMES = {
    1: "一年级", 2: "二年级", 3: "三年级", 4: "四年级", 5: "五年级", 6: "六年级",
    7: "七年级", 8: "八年级", 9: "九年级", 10: "高一", 11: "高二", 12: "高三",
}


class CatalogueError(Exception):
    """Base of catalogue errors."""


class NotFound(CatalogueError):
    """The thing does not exist, or the caller may not see it (same answer on purpose)."""

    def __init__(self, kind: str, key: object) -> None:
        super().__init__(f"{kind} {key} not found")
        self.kind = kind
        self.key = key


class AlreadyExists(CatalogueError):
    """A unique name is taken."""

    def __init__(self, kind: str, key: object) -> None:
        super().__init__(f"{kind} {key!s} already exists")
        self.kind = kind
        self.key = key


class InvalidInput(CatalogueError):
    """A field value breaks a rule; the message names the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class TextTooLong(InvalidInput):
    """A text longer than its limit: every stored string has one (scheduler/store/text_limits.py)."""

    def __init__(self, field: str, limit: int, length: int) -> None:
        super().__init__(field, f"at most {limit} characters ({length} given)")
        self.limit, self.length = limit, length


class UploadRejected(CatalogueError):
    """The uploaded file is not an acceptable lesson video: `reason` in English; `key` names which refusal it is
    (media.errors.REFUSALS, or "too_large") and `values` its facts, so the web layer words it in the page's language."""

    def __init__(self, reason: str, key: str | None = None, values: Mapping[str, str] | None = None) -> None:
        super().__init__(reason)
        self.reason, self.key, self.values = reason, key, dict(values or {})


class UploadTooLarge(UploadRejected):
    """The upload is past the configured size limit."""

    def __init__(self, limit_bytes: int) -> None:
        mib = str(limit_bytes // (1024 * 1024))
        super().__init__(f"the file is larger than the limit of {mib} MiB", "too_large", {"mib": mib})
        self.limit_bytes = limit_bytes


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing."""

    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """Number of pages in the whole listing."""
        return max(1, -(-self.total // self.per_page))


def lesson_label(grade: int, subject_name: str, sequence: int, title: str) -> str:
    """The label teachers and families read, e.g. 三年级 数学 第12课《两位数乘两位数》."""
    return f"{GRADE_NAMES.get(grade, f'{grade}年级')} {subject_name} 第{sequence}课《{title}》"
