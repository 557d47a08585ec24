import pytest

from flows.matcher import KeywordMatcher, is_question, tokens


def matches(keywords: list[str], comment: str) -> list[str]:
    return KeywordMatcher.build((k, k) for k in keywords).match(comment)


@pytest.mark.parametrize(
    ("keyword", "comment"),
    [
        ("price", "PRICE?"),
        ("price", "what's the price??"),
        ("price", "price."),
        ("Price", "pRiCe pls"),
        ("link", "link pls 🙏"),
        ("how much", "How much is it?!"),
        ("link?", "send the link"),
        ("giá", "Giá bao nhiêu ạ?"),
        ("giá", "gia bao nhieu"),
        ("gia", "Giá?"),
        ("đẹp", "dep qua"),
        ("harga", "Berapa HARGA kak?"),
        ("café", "cafe latte"),
        ("ราคา", "ราคาเท่าไหร่คะ"),
        ("ราคา", "สนใจค่ะ ราคา?"),
        ("🔥", "love this🔥🔥"),
        ("❤️", "❤ so cute"),
        ("👍", "👍🏽"),
        ("ＰＲＩＣＥ", "price"),
    ],
)
def test_keyword_is_found(keyword: str, comment: str) -> None:
    assert matches([keyword], comment) == [keyword]


@pytest.mark.parametrize(
    ("keyword", "comment"),
    [
        ("price", "pricey"),
        ("price", "priceless vibes"),
        ("link", "linked in bio"),
        ("how much", "how are you, much love"),
        ("ราคา", "สนใจค่ะ"),
        ("🔥", "fire"),
    ],
)
def test_keyword_is_not_found(keyword: str, comment: str) -> None:
    assert matches([keyword], comment) == []


def test_several_keywords_report_each_payload_once_in_order() -> None:
    matcher = KeywordMatcher.build([("price", 1), ("link", 2), ("cost", 1), ("shade", 3)])

    assert matcher.match("link? and price, price, cost") == [2, 1]


def test_an_empty_matcher_and_an_empty_comment() -> None:
    assert KeywordMatcher.build([]).match("price") == []
    assert KeywordMatcher.build([("price", 1)]).match("?!...") == []


def test_tokens_keep_thai_order_around_latin() -> None:
    assert tokens("ราคา 199บาท") == ["ราคา", "199", "บาท"]


@pytest.mark.parametrize(
    ("text", "question"), [("price?", True), ("ราคา？ ", True), ("price", False)]
)
def test_question_mark(text: str, question: bool) -> None:
    assert is_question(text) is question
