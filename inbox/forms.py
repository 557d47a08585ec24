from typing import Any

from django import forms
from django.http import QueryDict

from inbox.models import SavedReply, SavedView
from inbox.selectors import INBOX_STATES, InboxFilter, Show

STATE_CHOICES = [("", "Any state"), *((s.value, s.label) for s in INBOX_STATES)]


class InboxFilterForm(forms.Form):
    """The inbox list's query string. Anything it does not recognise is ignored rather than
    refused: a stale bookmark or saved view still opens the inbox."""

    show = forms.ChoiceField(choices=Show.choices, required=False)
    state = forms.ChoiceField(choices=STATE_CHOICES, required=False)
    tag = forms.CharField(max_length=50, required=False)
    trigger = forms.IntegerField(min_value=1, required=False)
    q = forms.CharField(max_length=100, required=False, label="Search")

    def filters(self) -> InboxFilter:
        """The filter named by the valid parts of the query; the old ``?state=closed`` still
        means the Closed view."""
        self.is_valid()
        data: dict[str, Any] = getattr(self, "cleaned_data", {})
        show = data.get("show") or Show.ALL
        state = data.get("state") or ""
        if self.data.get("state") == "closed":
            show = Show.CLOSED
        return InboxFilter(
            show=show,
            state="" if show == Show.CLOSED else state,
            tag=(data.get("tag") or "").strip(),
            trigger=data.get("trigger"),
            q=(data.get("q") or "").strip(),
        )


class SavedViewForm(forms.Form):
    name = forms.CharField(max_length=SavedView._meta.get_field("name").max_length or 60)
    query = forms.CharField(max_length=500, required=False, widget=forms.HiddenInput)

    def clean_query(self) -> str:
        """Stored as the canonical query of the filter it names, never as raw input."""
        return InboxFilterForm(QueryDict(self.cleaned_data.get("query", ""))).filters().query()


class ComposerForm(forms.Form):
    class Mode:
        REPLY = "reply"
        NOTE = "note"

    mode = forms.ChoiceField(choices=[(Mode.REPLY, "Reply"), (Mode.NOTE, "Internal note")])
    text = forms.CharField(max_length=4000, strip=True)
    # Shop chat: the teammate agreed to send text over 2,000 characters as several messages.
    split = forms.BooleanField(required=False)


class ShopCardForm(forms.Form):
    """One card: a catalog product or one of the buyer's orders."""

    product_id = forms.RegexField(regex=r"^\d{1,32}$", required=False)
    order_id = forms.RegexField(regex=r"^\d{1,32}$", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("product_id")) == bool(data.get("order_id")):
            raise forms.ValidationError("Pick one product or one order.")
        return data


class ShopImageForm(forms.Form):
    # The type is decided by the file's bytes on the server (``shop_chat.image_type``); the
    # ``accept`` list only narrows the browser's file picker.
    image = forms.FileField(
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}
        )
    )


class ShopBotForm(forms.Form):
    connection = forms.IntegerField(min_value=1)
    bot_enabled = forms.BooleanField(required=False)


class SavedReplyForm(forms.ModelForm):
    class Meta:
        model = SavedReply
        fields = ("shortcut", "text")
        labels = {"shortcut": "Shortcut"}
        help_texts = {
            "shortcut": "Type / and this in the composer, e.g. “shipping”. Letters, numbers, "
            "hyphens and underscores.",
        }
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}

    def clean_shortcut(self) -> str:
        return str(self.cleaned_data["shortcut"]).lower()

    def validate_unique(self) -> None:
        """The workspace is not a form field: the service checks the shortcut is free."""
