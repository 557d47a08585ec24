from typing import Any

from django import forms

from flows.models import MAX_REPLY_LENGTH, MAX_REPLY_VARIANTS, Trigger


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
        )
        help_texts = {"priority": "Lower runs first. Only the first matching trigger runs."}

    def __init__(self, *args: Any, posts: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["post_ids"] = forms.MultipleChoiceField(
            required=False,
            label="Videos",
            choices=posts,
            help_text="Only with “Specific videos”.",
            widget=forms.SelectMultiple(attrs={"size": 6}),
        )
        if self.instance.pk:
            self.initial["keywords"] = ", ".join(self.instance.keywords)
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


class TestCommentForm(forms.Form):
    text = forms.CharField(label="Paste a comment", max_length=500)
