from decimal import Decimal
from typing import Any

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe

from flows.blocks import money as format_money

register = template.Library()


@register.filter
def money(value: Any) -> str:
    """A ``selectors.Money`` as the store shows it: ``฿1,170.00``, ``£49.98``."""
    return format_money(Decimal(value.revenue), value.currency)


@register.filter
def percent(share: float | None) -> str:
    """``0.4`` → ``40%``, ``0.0123`` → ``1.2%``; no share (nothing to divide by) → ``–``."""
    if share is None:
        return "–"
    value = share * 100
    return f"{value:.0f}%" if value >= 10 or value == 0 else f"{value:.1f}%"


@register.filter
def money_lines(amounts: list[Any]) -> SafeString:
    """Each currency's amount on its own line, never added up; a dash when there is none."""
    if not amounts:
        return mark_safe('<span class="muted">–</span>')  # a constant, nothing to escape
    return format_html_join(
        "", '<span class="analytics-money">{}</span>', ((money(m),) for m in amounts)
    )


@register.filter
def duration(seconds: float | None) -> str:
    """A response time in seconds, read at a glance: ``45 s``, ``12 min``, ``3 h 5 min``,
    ``2 d 4 h``; none (nothing answered) → ``–``."""
    if seconds is None:
        return "–"
    total = round(seconds)
    if total < 60:
        return f"{total} s"
    minutes, hours, days = total // 60, total // 3600, total // 86400
    if total < 3600:
        return f"{minutes} min"
    if total < 86400:
        return f"{hours} h {minutes % 60} min" if minutes % 60 else f"{hours} h"
    return f"{days} d {hours % 24} h" if hours % 24 else f"{days} d"
