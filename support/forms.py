from datetime import time
from typing import Any

from django import forms

from support.selectors import WEEKDAYS, Hours

DEFAULT_OPENS, DEFAULT_CLOSES = time(9), time(18)
_TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class WorkingHoursForm(forms.Form):
    """The switch, then per weekday: open or not, and from when to when (the workspace's time
    zone). Hours end on the day they start."""

    enabled = forms.BooleanField(
        required=False,
        label="Count response times in working hours",
        help_text="Off: response times are calendar time, nights and weekends included.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for weekday, name in WEEKDAYS.items():
            self.fields[f"open_{weekday}"] = forms.BooleanField(required=False, label=name)
            self.fields[f"opens_{weekday}"] = forms.TimeField(
                required=False, label=f"{name} opens", widget=_TIME
            )
            self.fields[f"closes_{weekday}"] = forms.TimeField(
                required=False, label=f"{name} closes", widget=_TIME
            )

    @classmethod
    def initial_for(cls, hours: Hours) -> dict[str, Any]:
        """The saved hours; a workspace that never set them sees Monday-Friday 09:00-18:00
        ticked (off until saved with the switch on)."""
        initial: dict[str, Any] = {"enabled": hours.enabled}
        days = hours.days or dict.fromkeys(range(1, 6), (DEFAULT_OPENS, DEFAULT_CLOSES))
        for weekday in WEEKDAYS:
            opens, closes = days.get(weekday, (DEFAULT_OPENS, DEFAULT_CLOSES))
            initial |= {
                f"open_{weekday}": weekday in days,
                f"opens_{weekday}": opens,
                f"closes_{weekday}": closes,
            }
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for weekday, name in WEEKDAYS.items():
            if not data.get(f"open_{weekday}"):
                continue
            opens, closes = data.get(f"opens_{weekday}"), data.get(f"closes_{weekday}")
            if opens is None or closes is None:
                self.add_error(f"opens_{weekday}", f"Give the opening and closing times of {name}.")
            elif not opens < closes:
                self.add_error(
                    f"closes_{weekday}",
                    f"{name} must close after it opens, on the same day (no overnight hours).",
                )
        if data.get("enabled") and not any(data.get(f"open_{d}") for d in WEEKDAYS):
            self.add_error("enabled", "Tick at least one open day, or switch working hours off.")
        return data

    def days(self) -> dict[int, tuple[time, time]]:
        data = self.cleaned_data
        return {
            weekday: (data[f"opens_{weekday}"], data[f"closes_{weekday}"])
            for weekday in WEEKDAYS
            if data.get(f"open_{weekday}")
        }

    def rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (name, self[f"open_{d}"], self[f"opens_{d}"], self[f"closes_{d}"])
            for d, name in WEEKDAYS.items()
        ]
