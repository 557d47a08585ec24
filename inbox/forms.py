from typing import Any

from django import forms
from django.http import QueryDict

from chatsparks.users.models import User
from chatsparks.workspaces.models import Workspace
from inbox import routing
from inbox.models import RoutingRule, SavedReply, SavedView
from inbox.selectors import INBOX_STATES, InboxFilter, Show
from integrations.models import Connection

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


class SourceChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Connection) -> str:
        return routing.source_label(obj)


class TeammateChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.label


class RoutingRuleForm(forms.Form):
    """A routing rule as the settings page edits it. Only parsing happens here: what makes a
    rule valid (a condition, an action, accounts and people of this workspace) is checked by
    ``routing.routing_rule_create`` / ``_update``, whose errors come back by field."""

    name = forms.CharField(
        max_length=100, widget=forms.TextInput(attrs={"placeholder": "Refunds to Ana"})
    )
    is_active = forms.BooleanField(required=False, initial=True, label="Active")
    combine = forms.ChoiceField(
        choices=RoutingRule.Combine.choices,
        initial=RoutingRule.Combine.ALL,
        widget=forms.RadioSelect,
        label="Match",
    )
    message_types = forms.MultipleChoiceField(
        choices=RoutingRule.MessageType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Message type is",
        error_messages={"invalid_choice": "%(value)s is not a message type."},
    )
    keywords = forms.CharField(
        required=False,
        max_length=1000,
        label="Message says",
        help_text="Separate with commas. Whole words, any case, as comment triggers match: "
        "“refund” matches “REFUND?” but not “refunds”. Thai, Vietnamese and emoji work.",
        widget=forms.TextInput(attrs={"placeholder": "refund, broken, คืนเงิน"}),
    )
    contact_tags = forms.CharField(
        required=False,
        max_length=500,
        label="Contact has a tag",
        help_text="Separate with commas; any of them, in any case. A tag added by a rule above "
        "counts.",
    )
    field_name = forms.CharField(
        required=False, max_length=50, label="Set contact field", help_text="e.g. “tier”."
    )
    field_value = forms.CharField(
        required=False, max_length=200, label="to", help_text="A rule below may overwrite it."
    )
    add_tag = forms.CharField(required=False, max_length=50, label="Add tag")

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only this workspace's accounts and members: anything else is "not one of the choices".
        self.fields["connections"] = SourceChoiceField(
            queryset=routing.routing_source_choices(workspace=workspace),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            label="Message came to",
            error_messages={
                "invalid_choice": "Pick accounts connected to this workspace.",
                "invalid_pk_value": "Pick accounts connected to this workspace.",
            },
        )
        self.fields["assignee"] = TeammateChoiceField(
            queryset=routing.routing_assignee_choices(workspace=workspace),
            required=False,
            empty_label="Nobody",
            label="Assign to",
            help_text="Only while nobody has the conversation: a rule never takes one from a "
            "teammate. Assigning hands it to a person, so the bot stops answering it.",
            error_messages={"invalid_choice": "Assign to a member of this workspace."},
        )

    @staticmethod
    def initial_for(rule: RoutingRule) -> dict[str, Any]:
        return {
            "name": rule.name,
            "is_active": rule.is_active,
            "combine": rule.combine,
            "connections": [c.pk for c in rule.connections.all()],
            "message_types": rule.message_types,
            "keywords": ", ".join(rule.keywords),
            "contact_tags": ", ".join(rule.contact_tags),
            "field_name": rule.field_name,
            "field_value": rule.field_value,
            "add_tag": rule.add_tag,
            "assignee": rule.assignee_id,
        }

    def rule_data(self) -> routing.RuleData:
        data = self.cleaned_data
        assignee = data.get("assignee")
        return routing.RuleData(
            name=data["name"],
            is_active=bool(data.get("is_active")),
            combine=data["combine"],
            connection_ids=[c.pk for c in data.get("connections") or []],
            message_types=list(data.get("message_types") or []),
            keywords=routing.parse_list(data.get("keywords")),
            contact_tags=routing.parse_list(data.get("contact_tags")),
            field_name=data.get("field_name") or "",
            field_value=data.get("field_value") or "",
            add_tag=data.get("add_tag") or "",
            assignee_id=assignee.pk if assignee is not None else None,
        )
