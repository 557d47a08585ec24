import zoneinfo
from typing import Any

from django import forms
from django.conf import settings

from chatsparks.workspaces.models import Workspace
from chatsparks.workspaces.roles import Role

TIMEZONE_CHOICES = [
    (name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())
]


class WorkspaceCreateForm(forms.Form):
    name = forms.CharField(
        max_length=80,
        label="Workspace name",
        help_text="Usually your shop or brand, e.g. “Glow Beauty UK”.",
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "organization"}),
    )
    timezone = forms.ChoiceField(
        choices=TIMEZONE_CHOICES,
        initial="UTC",
        help_text="Drives waits, exports and date pickers.",
        widget=forms.Select(attrs={"data-detect-timezone": ""}),
    )


class WorkspaceSettingsForm(forms.ModelForm):
    timezone = forms.ChoiceField(choices=TIMEZONE_CHOICES)
    default_language = forms.ChoiceField(choices=settings.WORKSPACE_LANGUAGES)

    class Meta:
        model = Workspace
        fields = ("name", "timezone", "default_language", "listening_window_days", "require_mfa")
        help_texts = {
            "listening_window_days": "Comments on posts older than this are stored but trigger "
            "nothing. Between 7 and 90 days.",
        }
        widgets = {"listening_window_days": forms.NumberInput(attrs={"min": 7, "max": 90})}


class InvitationForm(forms.Form):
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER)

    def __init__(
        self, *args: Any, role_choices: list[tuple[str, str]] | None = None, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        if role_choices is not None:
            self.fields["role"] = forms.ChoiceField(choices=role_choices, initial=Role.MEMBER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class CloseWorkspaceForm(forms.Form):
    confirmation = forms.CharField(label="Type the workspace name to confirm")
