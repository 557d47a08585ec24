"""Whether a text meets a trigger's conditions: its keywords, a question, a product from the
catalog, a first comment. Shared by comment triggers (``flows.engine``) and Shop chat triggers
(``flows.runner``), so a condition means the same thing wherever it is asked.

Keyword matchers are compiled once per set of active triggers and kept in the process, keyed
by the triggers' ids and update times: publishing a trigger changes the key, so the next text
rebuilds it. The catalog matcher is keyed by the catalog's last sync.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from django.db.models import Max

from flows.matcher import KeywordMatcher, is_question
from flows.models import Trigger
from integrations.models import Product

# A trigger fires at most once per person in this long, whatever they write meanwhile.
THROTTLE = timedelta(hours=24)

_keyword_cache: dict[int, tuple[tuple[tuple[int, datetime], ...], KeywordMatcher[int]]] = {}
_catalog_cache: dict[int, tuple[datetime | None, KeywordMatcher[str]]] = {}


def keyword_matcher(connection_id: int, triggers: list[Trigger]) -> KeywordMatcher[int]:
    """The keywords of ``triggers`` (one account's active ones), naming the trigger on a hit."""
    key = tuple((t.pk, t.updated_at) for t in triggers)
    cached = _keyword_cache.get(connection_id)
    if cached is None or cached[0] != key:
        matcher = KeywordMatcher.build((word, t.pk) for t in triggers for word in t.keywords)
        _keyword_cache[connection_id] = cached = (key, matcher)
    return cached[1]


def catalog_matcher(workspace_id: int) -> KeywordMatcher[str]:
    """Product titles of the workspace's synced catalog, for "mentions a SKU"."""
    products = Product.objects.for_workspace(workspace_id)
    version = products.aggregate(latest=Max("synced_at"))["latest"]
    cached = _catalog_cache.get(workspace_id)
    if cached is None or cached[0] != version:
        titles = products.values_list("title", "external_id")
        _catalog_cache[workspace_id] = cached = (version, KeywordMatcher.build(titles))
    return cached[1]


class Facts:
    """What conditions ask of one text, each looked up at most once however many triggers ask
    it. ``first`` answers "is this the person's first comment?" (comments only)."""

    def __init__(
        self,
        *,
        text: str,
        workspace_id: int,
        keyword_hits: set[int],
        first: Callable[[], bool] = lambda: False,
    ) -> None:
        self.text = text
        self.workspace_id = workspace_id
        self.keyword_hits = keyword_hits
        self._first_lookup = first
        self._question: bool | None = None
        self._mentions: bool | None = None
        self._first: bool | None = None

    @property
    def question(self) -> bool:
        if self._question is None:
            self._question = is_question(self.text)
        return self._question

    @property
    def mentions_product(self) -> bool:
        if self._mentions is None:
            self._mentions = bool(catalog_matcher(self.workspace_id).match(self.text))
        return self._mentions

    @property
    def first_comment(self) -> bool:
        if self._first is None:
            self._first = self._first_lookup()
        return self._first


def matches(trigger: Trigger, facts: Facts) -> bool:
    checks: list[bool] = []
    if trigger.keywords:
        checks.append(trigger.pk in facts.keyword_hits)
    if trigger.on_question:
        checks.append(facts.question)
    if trigger.on_sku_mention:
        checks.append(facts.mentions_product)
    if trigger.on_first_comment:
        checks.append(facts.first_comment)
    if not checks:
        return False
    return all(checks) if trigger.combine == Trigger.Combine.ALL else any(checks)
