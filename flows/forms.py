from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import QuerySet

from chatsparks.workspaces.models import Workspace
from flows import selectors
from flows.models import (
    MAX_REPLY_LENGTH,
    MAX_REPLY_VARIANTS,
    AutomationSettings,
    Flow,
    SensitiveKeyword,
    Trigger,
)
from integrations.models import Connection

INVITE_HELP = (
    "The public reply when no DM can go out at once (TikTok lets a business DM only after "
    "the buyer writes, or when it flags the comment). {keyword} becomes the trigger’s first "
    "keyword. Leave empty to use the default from Automation settings."
)


SHOP_CHAT_FLOW_HELP = (
    "The conversation the bot has with the buyer in Shop chat, where links are not allowed: "
    "shop links go out as product cards."
)


class TriggerForm(forms.ModelForm):
    keywords = forms.CharField(
        required=False,
        help_text="Separate with commas. Whole words, any case; “price” matches “PRICE?” but "
        "not “pricey”. Thai, Vietnamese, Indonesian and emoji work.",
        widget=forms.TextInput(attrs={"placeholder": "price, link, how much, ราคา, giá"}),
    )

    class Meta:
        model = Trigger
        fields = (
            "name",
            "keywords",
            "on_question",
            "on_first_comment",
            "on_sku_mention",
            "combine",
            "scope",
            "post_ids",
            "priority",
            "flow",
            "invite_text",
        )
        labels = {"flow": "DM flow", "invite_text": "Invitation to DM"}
        help_texts = {
            "priority": "Lower runs first. Only the first matching trigger runs.",
            "flow": "The conversation the bot has with the commenter. Only a published flow "
            "sends DMs; without one, the trigger only replies publicly.",
            "invite_text": INVITE_HELP,
        }

    def __init__(
        self,
        *args: Any,
        posts: list[tuple[str, str]],
        workspace: Workspace,
        shops: QuerySet[Connection] | None = None,
        **kwargs: Any,
    ) -> None:
        """``shops``, the workspace's TikTok Shop accounts, makes it a Shop chat trigger's form:
        no comment-only conditions, no public reply, a flow required, a Shop to watch."""
        super().__init__(*args, **kwargs)
        self.shop_chat = shops is not None
        self.fields["post_ids"] = forms.MultipleChoiceField(
            required=False,
            label="Videos",
            choices=posts,
            help_text="Only with “Specific videos”.",
            widget=forms.SelectMultiple(attrs={"size": 6}),
        )
        # Only this workspace's flows: another workspace's id is "not one of the choices".
        self.fields["flow"] = FlowChoiceField(
            queryset=selectors.flow_list(workspace=workspace),
            required=self.shop_chat,
            label="DM flow",
            empty_label=None if self.shop_chat else "No DM (public reply only)",
            help_text=SHOP_CHAT_FLOW_HELP if self.shop_chat else self.fields["flow"].help_text,
        )
        self.fields["invite_text"].widget.attrs["placeholder"] = (
            "Send us a DM saying {keyword} and we'll send you the details 💬"
        )
        if self.instance.pk:
            self.initial["keywords"] = ", ".join(self.instance.keywords)
        if shops is not None:
            self.instance.source = Trigger.Source.SHOP_CHAT  # its rules, in the model's clean
            for name in ("on_first_comment", "scope", "post_ids", "invite_text"):
                del self.fields[name]
            self.fields["connection"] = ShopChoiceField(
                queryset=shops,
                label="TikTok Shop",
                empty_label=None,
                initial=self.instance.connection_id if self.instance.pk else None,
                help_text="Its buyers' messages in Shop chat are watched. The flow answers only "
                "where the bot is on for that Shop (Automation settings → TikTok Shop chat "
                "settings).",
            )
            return
        for n in range(MAX_REPLY_VARIANTS):
            existing = self.instance.reply_variants
            self.fields[f"reply_{n}"] = forms.CharField(
                required=False,
                max_length=MAX_REPLY_LENGTH,
                label=f"Public reply {n + 1}" if n else "Public reply",
                initial=existing[n] if n < len(existing) else "",
                help_text="Up to 150 characters; variants are rotated." if n == 0 else "",
            )

    def clean_keywords(self) -> list[str]:
        raw = self.cleaned_data.get("keywords") or ""
        return [word.strip() for word in raw.split(",") if word.strip()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        variants = [data.get(f"reply_{n}", "").strip() for n in range(MAX_REPLY_VARIANTS)]
        data["reply_variants"] = [text for text in variants if text]
        # The model's own validation (run next) checks the variants with everything else.
        self.instance.reply_variants = data["reply_variants"]
        return data


class ShopChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Connection) -> str:
        return obj.display_name or (f"@{obj.handle}" if obj.handle else obj.external_id)


class FlowChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Flow) -> str:
        live = f"live v{obj.live_version.number}" if obj.live_version else "not published"
        return f"{obj.name} ({live})"


class TestCommentForm(forms.Form):
    text = forms.CharField(label="Paste a comment", max_length=500)


class FlowNameForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "Price and shade picker"}),
    )


class AutomationSettingsForm(forms.ModelForm):
    class Meta:
        model = AutomationSettings
        fields = ("intent_valid_days", "free_text_handoff_after", "default_invite_text")
        labels = {
            "intent_valid_days": "Invitation to DM valid for (days)",
            "free_text_handoff_after": "Hand off after this many free-text answers",
            "default_invite_text": "Default invitation to DM",
        }
        help_texts = {
            "intent_valid_days": "When no DM can go out at once, the public reply invites the "
            "commenter to DM. Their DM starts the flow if it arrives within this many days.",
            "free_text_handoff_after": "A buyer who types something else instead of choosing a "
            "quick reply this many times in a row is handed to a teammate.",
            "default_invite_text": INVITE_HELP.replace(
                " Leave empty to use the default from Automation settings.", ""
            )
            + " A trigger may have its own.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        days = self.fields["intent_valid_days"]
        days.validators += [MinValueValidator(1), MaxValueValidator(30)]
        days.widget.attrs.update(min=1, max=30)
        after = self.fields["free_text_handoff_after"]
        after.validators += [MinValueValidator(1), MaxValueValidator(10)]
        after.widget.attrs.update(min=1, max=10)


class SensitiveKeywordForm(forms.ModelForm):
    class Meta:
        model = SensitiveKeyword
        fields = ("phrase", "action", "tag")
        labels = {"phrase": "Word or phrase", "action": "What happens", "tag": "Tag"}
        help_texts = {"tag": "Only for “Tag” or “Hand off and tag”."}
        widgets = {
            "phrase": forms.TextInput(attrs={"placeholder": "wrong colour"}),
            "tag": forms.TextInput(attrs={"placeholder": "complaint"}),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") in ("tag", "both") and not (data.get("tag") or "").strip():
            self.add_error("tag", "Name the tag to add.")
        return data

    def validate_unique(self) -> None:
        """The service checks the phrase once normalised (case and spaces)."""
