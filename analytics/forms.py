from datetime import date, timedelta
from typing import Any

from django import forms

from analytics.selectors import Period

DEFAULT_DAYS = 30
PRESETS = (7, 30, 90)
MAX_DAYS = 366


def period_last(days: int, *, today: date) -> Period:
    """The last ``days`` days, today included."""
    return Period(first=today - timedelta(days=days - 1), last=today)


class PeriodForm(forms.Form):
    """``?from=2026-01-01&to=2026-01-31``: days in the workspace's time zone. Either may be
    left out (the last 30 days up to ``to``, or from ``from`` up to today)."""

    def __init__(self, data: Any, *, today: date) -> None:
        super().__init__(data)
        self.today = today
        # "from" is a Python keyword, so the fields are named here rather than declared.
        self.fields["from"] = forms.DateField(required=False, label="From")
        self.fields["to"] = forms.DateField(required=False, label="To")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, last = cleaned.get("from"), cleaned.get("to")
        if first and last and first > last:
            raise forms.ValidationError("The start date is after the end date.")
        period = self._period(first, last)
        if (period.last - period.first).days >= MAX_DAYS:
            raise forms.ValidationError(f"Choose at most {MAX_DAYS} days.")
        cleaned["period"] = period
        return cleaned

    def _period(self, first: date | None, last: date | None) -> Period:
        if first is None and last is None:
            return period_last(DEFAULT_DAYS, today=self.today)
        if first is None:
            assert last is not None
            return Period(first=last - timedelta(days=DEFAULT_DAYS - 1), last=last)
        return Period(first=first, last=last or max(first, self.today))

    @property
    def period(self) -> Period:
        """The chosen days, or the default when the choice is invalid (its errors show)."""
        if self.is_valid():
            return self.cleaned_data["period"]
        return period_last(DEFAULT_DAYS, today=self.today)
