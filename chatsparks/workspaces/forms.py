import zoneinfo
from typing import Any

from django import forms
from django.conf import settings
from django.forms.models import model_to_dict

from chatsparks.workspaces.models import (
    LISTENING_WINDOW_MAX_DAYS,
    LISTENING_WINDOW_MIN_DAYS,
    Workspace,
)
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


class WorkspaceSettingsForm(forms.Form):
    """Not a ModelForm: validating one writes into the instance, and the service must see the
    workspace as stored to know what changed."""

    name = forms.CharField(max_length=80)
    timezone = forms.ChoiceField(
        choices=TIMEZONE_CHOICES, help_text="Drives waits, exports and date pickers."
    )
    default_language = forms.ChoiceField(choices=settings.WORKSPACE_LANGUAGES)
    listening_window_days = forms.IntegerField(
        label="Comment-listening window (days)",
        min_value=LISTENING_WINDOW_MIN_DAYS,
        max_value=LISTENING_WINDOW_MAX_DAYS,
        help_text="Comments on posts older than this are stored but trigger nothing. "
        "Between 7 and 90 days.",
    )
    require_mfa = forms.BooleanField(
        label="Require two-factor authentication",
        required=False,
        help_text="Everyone must set up an authenticator app before using this workspace.",
    )

    @classmethod
    def for_workspace(cls, workspace: Workspace, data: Any = None) -> "WorkspaceSettingsForm":
        return cls(data, initial=model_to_dict(workspace, fields=list(cls.base_fields)))


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
