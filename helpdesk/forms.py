from django import forms

from helpdesk.models import WINDOW_DEFAULT_MINUTES, WINDOW_MAX_MINUTES, WINDOW_MIN_MINUTES


class ForwardingSettingsForm(forms.Form):
    enabled = forms.BooleanField(
        required=False, label="Forward TikTok Shop buyer messages by email"
    )
    address = forms.EmailField(
        required=False,
        label="Helpdesk address",
        help_text="Your helpdesk's support address (Zendesk, Gorgias, Salesforce) or any "
        "mailbox, e.g. support@yourbrand.com.",
    )
    window_minutes = forms.IntegerField(
        min_value=WINDOW_MIN_MINUTES,
        max_value=WINDOW_MAX_MINUTES,
        initial=WINDOW_DEFAULT_MINUTES,
        label="Send after the buyer has been quiet for (minutes)",
        help_text="Messages a buyer sends in a row arrive as one email. TikTok Shop's own "
        "forwarding waits 5 minutes.",
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if cleaned.get("enabled") and not cleaned.get("address"):
            self.add_error("address", "Enter the address to forward to.")
        return cleaned
