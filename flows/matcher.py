"""The keyword matcher of comment triggers, under the name flows has always imported it by.
It lives in ``chatsparks.keywords``, below the inbox, because the inbox's routing rules match
keywords the same way and the inbox may not import flows (dependencies point one way)."""

from chatsparks.keywords import KeywordMatcher, is_question, tokens, warm_up

__all__ = ["KeywordMatcher", "is_question", "tokens", "warm_up"]
