"""DVB SI text (ETSI EN 300 468 Annex A): a character-table byte, then the text in that table.

GB-2312-1980 (table byte 0x13, EUC-CN bytes) is what most Chinese set-top boxes expect; UTF-8 (0x15) is
the other choice. A character GB2312 lacks is written as 〓 (GB2312 A1FE, the geta mark Chinese
typesetting uses for a missing glyph) and reported, never dropped. Python's `gb2312` codec lacks a few
characters GB2312 has under another Unicode point: the middle dot U+00B7 of 嘉兴空中课堂·三年级 is
GB2312's A1A4 (Python decodes it as U+30FB), the em dash U+2014 is A1AA (decoded as U+2015).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Charset(StrEnum):
    """The character table of DVB text fields."""

    GB2312 = "gb2312"
    UTF8 = "utf-8"


TABLE_BYTE = {Charset.GB2312: b"\x13", Charset.UTF8: b"\x15"}
REPLACEMENT = "〓"  # U+3013, GB2312 A1FE
# Characters GB2312 has that Python's gb2312 codec spells with another code point.
_GB2312_ALIASES = str.maketrans({"\u00b7": "\u30fb", "\u2014": "\u2015"})


@dataclass(frozen=True)
class TextWarning:
    """A character written as 〓 because the character table lacks it (or text cut to fit a field)."""

    field: str
    text: str
    problem: str
    character: str = ""  # the character replaced ("" when the text was cut)

    def __str__(self) -> str:
        return f"{self.field} {self.text!r}: {self.problem}"


@dataclass
class TextEncoder:
    """Encodes DVB text fields in one character table and collects what had to be replaced or cut."""

    charset: Charset = Charset.GB2312
    warnings: list[TextWarning] = field(default_factory=list)

    def encode(self, text: str, field_name: str, limit: int = 255) -> bytes:
        """The table byte and the text, at most `limit` bytes (cut on a character boundary, reported)."""
        body = b""
        if text:
            body = self._body(text, field_name)
        if len(body) + 1 > limit:
            body = _cut(body, limit - 1, self.charset)
            self.warnings.append(TextWarning(field_name, text, f"cut to {limit} bytes"))
        return TABLE_BYTE[self.charset] + body if text else b""

    def _body(self, text: str, field_name: str) -> bytes:
        """The text's bytes in the table (no table byte); characters it lacks replaced and reported."""
        if self.charset is Charset.UTF8:
            return text.encode("utf-8")
        out = bytearray()
        for char in text.translate(_GB2312_ALIASES):
            try:
                out += char.encode("gb2312")
            except UnicodeEncodeError:
                out += REPLACEMENT.encode("gb2312")
                self.warnings.append(
                    TextWarning(field_name, text, f"U+{ord(char):04X} {char!r} is not in GB2312", char)
                )
        return bytes(out)


def _cut(body: bytes, size: int, charset: Charset) -> bytes:
    """The longest prefix of body within size bytes that ends on a whole character."""
    for end in range(min(size, len(body)), -1, -1):
        try:
            body[:end].decode("gb2312" if charset is Charset.GB2312 else "utf-8")
        except UnicodeDecodeError:
            continue
        return body[:end]
    return b""
