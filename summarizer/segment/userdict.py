"""User dictionaries in jieba's format, read once for every backend.

One entry a line: ``word [freq] [tag]`` separated by spaces, ``#`` starting a comment line.
jieba reads such a file with ``load_userdict``; rjieba has no file loader, so its backend
adds the same entries one by one with ``add_word``. Reading the file here keeps the two in
step: both see exactly the same words with the same frequencies.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class UserWord:
    """One dictionary entry; ``freq`` ``None`` lets the segmenter pick one that keeps the word
    whole (jieba's ``suggest_freq``)."""

    word: str
    freq: int | None = None
    tag: str | None = None


def read_user_dict(path: Path) -> list[UserWord]:
    """The entries of a jieba-format user dictionary (UTF-8, BOM allowed)."""
    entries: list[UserWord] = []
    for number, line in enumerate(path.read_text("utf-8-sig").splitlines(), start=1):
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        word, rest = fields[0], fields[1:]
        freq: int | None = None
        if rest and rest[0].isdigit():
            freq, rest = int(rest[0]), rest[1:]
        if len(rest) > 1:
            raise ValueError(f"{path}:{number}: expected 'word [freq] [tag]', got {line!r}")
        entries.append(UserWord(word, freq, rest[0] if rest else None))
    return entries
