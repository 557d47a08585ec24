"""Comment-trigger matcher cost per comment, normalisation included.

    .venv/bin/python bench/matcher.py

Builds a matcher with 10, 1,000 and 100,000 keywords (real shopping words plus generated
ones, several two-word) and times ``match()`` over a corpus of short comments like TikTok
Shop ones, Latin-script and Thai separately (Thai pays for word segmentation).
"""

import random
import statistics
import string
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flows.matcher import KeywordMatcher, tokens, warm_up

REAL = [
    "price",
    "link",
    "how much",
    "giá",
    "harga",
    "berapa",
    "ราคา",
    "สนใจ",
    "🔥",
    "shade",
    "cost",
]
LATIN = [
    "PRICE?", "link pls 🙏", "how much is the 30ml one??", "Giá bao nhiêu ạ?", "gia bao nhieu",
    "Berapa harga kak?", "omg this shade is perfect 😍😍", "where can I buy", "do you ship to UK",
    "love it 🔥🔥🔥", "is it cruelty free?", "need this in my life", "restock when?",
    "what's the difference between the two serums", "cost?", "first!",
]  # fmt: skip
THAI = ["ราคาเท่าไหร่คะ", "สนใจค่ะ", "ส่งฟรีไหมคะ", "ราคา?", "สีนี้สวยมาก 😍"]


def keyword_set(size: int, rng: random.Random) -> list[str]:
    words = list(REAL)
    while len(words) < size:
        length = rng.randint(3, 10)
        word = "".join(rng.choice(string.ascii_lowercase) for _ in range(length))
        if rng.random() < 0.2:
            word += " " + "".join(rng.choice(string.ascii_lowercase) for _ in range(4))
        words.append(word)
    return words[:size]


def per_comment_us(matcher: KeywordMatcher[int], corpus: list[str], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for comment in corpus:
            matcher.match(comment)
        samples.append((time.perf_counter() - start) / len(corpus) * 1e6)
    return statistics.median(samples)


def main() -> None:
    warm_up()
    rng = random.Random(7)
    print("| keywords | build s | Latin µs/comment | Thai µs/comment |")
    print("|---:|---:|---:|---:|")
    for size in (10, 1_000, 100_000):
        words = keyword_set(size, rng)
        start = time.perf_counter()
        matcher = KeywordMatcher.build((w, i) for i, w in enumerate(words))
        built = time.perf_counter() - start
        assert matcher.match("PRICE?") == [0]
        latin = per_comment_us(matcher, LATIN * 50, rounds=7)
        thai = per_comment_us(matcher, THAI * 50, rounds=7)
        print(f"| {size:,} | {built:.2f} | {latin:.1f} | {thai:.1f} |", flush=True)
    token_cost = per_comment_us(KeywordMatcher.build([]), LATIN * 50, rounds=3)
    start = time.perf_counter()
    for comment in LATIN * 200:
        tokens(comment)
    normalise = (time.perf_counter() - start) / (len(LATIN) * 200) * 1e6
    print(
        f"\ntokens() alone: {normalise:.1f} µs per Latin comment; empty matcher {token_cost:.2f} µs"
    )


if __name__ == "__main__":
    main()
