"""summarizer.segment: backends by name, rjieba's fallback to jieba, user dictionaries."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer import segment
from summarizer.segment import BackendUnavailable, Segmenter, make_segmenter
from summarizer.segment.userdict import UserWord, read_user_dict
from summarizer.tokens import Tokenizer

TEXT = "全国总工会党组书记、副主席徐留平带队前往浙江省和江苏省苏州市进行深入调研。"
COINED = "甬派职工码"  # not a word to either dictionary: cut into pieces without a user dict


@pytest.fixture
def no_rjieba(monkeypatch: pytest.MonkeyPatch) -> None:
    """A process in which ``import rjieba`` fails, with no segmenter built yet."""
    monkeypatch.setattr(segment, "_cache", {})
    monkeypatch.setattr(segment, "_fallback_logged", False)
    monkeypatch.delitem(sys.modules, "summarizer.segment.rjieba_backend", raising=False)
    monkeypatch.setitem(sys.modules, "rjieba", None)


@pytest.fixture
def user_dict(tmp_path: Path) -> Path:
    path = tmp_path / "user.dict"
    path.write_text(f"# our words\n{COINED} 50 nz\n\n职工之家\n", "utf-8")
    return path


@pytest.mark.parametrize("name", ["jieba", "rjieba"])
def test_each_backend_is_a_segmenter_named_for_itself(name: segment.BackendName) -> None:
    segmenter = make_segmenter(name)
    assert isinstance(segmenter, Segmenter)
    assert segmenter.name == name


@pytest.mark.parametrize("name", ["jieba", "rjieba"])
def test_each_backend_keeps_a_name_whole_with_hmm(name: segment.BackendName) -> None:
    assert "徐留平" in make_segmenter(name).cut(TEXT)


def test_auto_prefers_rjieba() -> None:
    assert make_segmenter("auto").name == "rjieba"


def test_segmenters_are_built_once_per_name() -> None:
    assert make_segmenter("jieba") is make_segmenter("jieba")


def test_an_unknown_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown segmentation backend"):
        make_segmenter("thulac")  # type: ignore[arg-type]


@pytest.mark.usefixtures("no_rjieba")
def test_auto_falls_back_to_jieba_and_says_so_once(
    caplog: pytest.LogCaptureFixture, user_dict: Path
) -> None:
    with caplog.at_level(logging.WARNING, logger="summarizer.segment"):
        assert make_segmenter("auto").name == "jieba"
        assert make_segmenter("auto", user_dict=user_dict).name == "jieba"
    assert len(caplog.records) == 1
    assert "rjieba unavailable" in caplog.records[0].message


@pytest.mark.usefixtures("no_rjieba")
def test_asking_for_rjieba_by_name_does_not_fall_back() -> None:
    with pytest.raises(BackendUnavailable):
        make_segmenter("rjieba")


@pytest.mark.usefixtures("no_rjieba")
def test_summaries_still_work_without_rjieba() -> None:
    tokenizer = Tokenizer(stopwords=frozenset())
    assert "徐留平" in tokenizer.terms(TEXT)


def test_user_dict_format(user_dict: Path) -> None:
    assert read_user_dict(user_dict) == [UserWord(COINED, 50, "nz"), UserWord("职工之家")]


def test_user_dict_rejects_a_malformed_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.dict"
    path.write_text("职工 3 n extra\n", "utf-8")
    with pytest.raises(ValueError, match=r"bad\.dict:1"):
        read_user_dict(path)


@pytest.mark.parametrize("name", ["jieba", "rjieba"])
def test_both_backends_honour_a_user_dict(name: segment.BackendName, user_dict: Path) -> None:
    text = f"今年{COINED}上线。"
    assert COINED not in make_segmenter(name).cut(text)
    assert COINED in make_segmenter(name, user_dict=user_dict).cut(text)


def test_a_user_dict_does_not_change_the_shared_default(user_dict: Path) -> None:
    make_segmenter("jieba", user_dict=user_dict)
    assert COINED not in make_segmenter("jieba").cut(f"今年{COINED}上线。")


@given(
    st.text(alphabet=st.sampled_from("工会职工徐留平ＡＰＰ app 2024。，“”\n\u3000"), max_size=60)
)
@settings(max_examples=100, deadline=None)
def test_both_backends_are_lossless(text: str) -> None:
    for name in ("jieba", "rjieba"):
        assert "".join(make_segmenter(name).cut(text)) == text  # type: ignore[arg-type]
