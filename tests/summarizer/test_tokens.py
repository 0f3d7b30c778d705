"""jieba wrapper and stopwords: lossless segmentation, the term filter, one pass per article."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from summarizer.segment import BackendName
from summarizer.sentences import sentence_spans
from summarizer.tokens import (
    _HALF_WIDTH,
    Tokenizer,
    default_tokenizer,
    ensure_loaded,
    half_width,
    is_numeric,
    is_quantity,
    is_symbolic,
    load_stopwords,
    normalize,
)

TEXT = (
    "全国总工会党组书记、副主席徐留平带队前往浙江省和江苏省苏州市进行深入调研。"
    "截至2023年底，中国共产党党员总数为9918.5万名，比上年净增114.4万名。"
    "“我们将推动标准在全县落地开花。”周春雨表示。"
)


def test_stopword_sections() -> None:
    everything = load_stopwords()
    function_words = load_stopwords(sections=["function"])
    assert {"的", "了", "是", "在", "我们"} <= function_words
    assert {"进行", "开展", "表示"} <= everything - function_words
    assert not any(word.startswith("#") for word in everything)
    assert 300 < len(everything) < 1500


def test_cut_is_lossless() -> None:
    assert "".join(default_tokenizer().cut(TEXT)) == TEXT


def test_terms_drop_punctuation_numbers_and_stopwords() -> None:
    terms = default_tokenizer().terms(TEXT)
    assert "徐留平" in terms and "工会" not in ["，", "。"]
    assert not any(is_symbolic(term) or is_numeric(term) for term in terms)
    assert not {"的", "和", "进行", "表示"} & set(terms)
    assert "9918.5" not in terms


def test_normalisation() -> None:
    assert normalize("ＡＢＣ２０２４") == "abc2024"
    tokenizer = Tokenizer(stopwords=frozenset())
    assert tokenizer.terms("ＡＰＰ上线") == ["app", "上线"]
    assert tokenizer.terms_by_span("职工之家ＡＰＰ上线。", [(0, 10)]) == [
        ["职工", "之家", "app", "上线"]
    ]


def test_character_classes() -> None:
    assert is_symbolic("“”，。 \u3000") and not is_symbolic("a,")
    assert is_numeric("9918.5") and is_numeric("50%") and not is_numeric("5G")
    assert is_quantity("万名") and is_quantity("两个") and is_quantity("每平方米")
    assert not is_quantity("三农") and not is_quantity("党员")


@given(
    st.text(alphabet="一二三四五六七八九十百千万亿", min_size=1, max_size=4),
    st.sampled_from(["余", "多", ""]),
    st.sampled_from(["人", "人次", "户", "个", "名", "家", "吨", "万元", "平方米"]),
)
def test_amounts_with_more_than_and_person_times_are_quantities(
    numeral: str, more: str, measure: str
) -> None:
    # 万余户, 万人次, 五千余人次: what jieba leaves of 120万余户 or 5000余人次 once the number goes.
    assert is_quantity(numeral + more + measure)
    assert is_quantity(more + measure) or not more


def test_bare_more_than_and_percentage_points_are_quantities() -> None:
    assert is_quantity("万余") and is_quantity("百分点") and is_quantity("个百分点")
    assert not is_quantity("余杭") and not is_quantity("百分比较")


@pytest.mark.parametrize("backend", ["jieba", "rjieba"])
def test_a_lone_surrogate_is_cut_as_a_symbol(backend: BackendName) -> None:
    tokenizer = Tokenizer(stopwords=load_stopwords(), backend=backend)
    text = "工会\ud800职工"
    assert tokenizer.terms(text) == ["工会", "职工"]
    assert tokenizer.terms_by_span(text, [(0, 3), (3, 5)]) == [["工会"], ["职工"]]


def test_terms_by_span_equals_terms_of_each_span() -> None:
    tokenizer = default_tokenizer()
    spans = sentence_spans(TEXT)
    by_span = tokenizer.terms_by_span(TEXT, spans)
    assert by_span == [tokenizer.terms(TEXT[start:end]) for start, end in spans]


def test_terms_outside_every_span_are_dropped() -> None:
    tokenizer = default_tokenizer()
    text = "第一句话讲工会。（下转第4版）第二句话讲职工。"
    first_end = text.index("（")
    second_start = text.index("第二")
    result = tokenizer.terms_by_span(text, [(0, first_end), (second_start, len(text))])
    assert "工会" in result[0] and "职工" in result[1]
    assert not {"下转", "版"} & set(result[0] + result[1])
    assert tokenizer.terms_by_span(text, []) == []


def test_loading_from_many_threads_at_once() -> None:
    errors: list[BaseException] = []

    def work() -> None:
        try:
            ensure_loaded()
            assert default_tokenizer().terms("职工服务中心") == ["职工", "服务中心"]
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_news_filler_words_are_register_stopwords() -> None:
    register = load_stopwords() - load_stopwords(sections=["function"])
    assert {"上年", "始终", "重要", "只是"} <= load_stopwords()
    assert {"上年", "始终", "重要"} <= register


@pytest.mark.parametrize(
    "text", ["", "没有全角字符", "ＡＢＣ　１２，（）～！", "职工之家ＡＰＰ上线。\uff5f\uff00"]
)
def test_half_width_is_translate_one_for_one(text: str) -> None:
    assert half_width(text) == text.translate(_HALF_WIDTH)


def test_term_ids_by_span_is_terms_by_span_as_arrays() -> None:
    tokenizer = default_tokenizer()
    spans = sentence_spans(TEXT)
    terms = tokenizer.term_ids_by_span(TEXT, spans)
    assert terms.lists() == tokenizer.terms_by_span(TEXT, spans)
    assert terms.count == len(spans)
