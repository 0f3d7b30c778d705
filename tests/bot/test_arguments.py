"""Command arguments are cleaned before any handler or the store sees them."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from bot.components.commands import clean_argument

INVISIBLE = st.sampled_from(["\x00", "\u202e", "\u200f", "\u200b", "\ufeff", "\x1b", "\u2066"])
TEXT = st.lists(st.one_of(st.characters(blacklist_categories=("Cs",)), INVISIBLE)).map("".join)


@given(TEXT)
def test_a_cleaned_argument_has_no_invisible_characters_and_single_spaces(text: str) -> None:
    cleaned = clean_argument(text)
    assert not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in cleaned)
    assert cleaned == " ".join(cleaned.split())


@given(TEXT)
def test_cleaning_twice_changes_nothing(text: str) -> None:
    assert clean_argument(clean_argument(text)) == clean_argument(text)


def test_full_width_digits_become_ascii() -> None:
    assert clean_argument("６:４５") == "6:45"


def test_an_argument_of_only_invisible_characters_is_empty() -> None:
    assert clean_argument("\x00 \u202e\u200f ") == ""


def test_marks_inside_a_word_are_dropped_without_splitting_it() -> None:
    assert clean_argument("工\u202e会\u200b驿站") == "工会驿站"
