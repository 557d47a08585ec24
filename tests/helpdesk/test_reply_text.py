"""What of an emailed reply is the teammate's: the formats mail programs and helpdesks quote
history and sign in, and cutting the rest into Shop chat messages."""

import pytest

from helpdesk.reply_text import reply_body, reply_from_text, split_message, text_of_html

ANSWER = "Yes, the serum is in stock 😊\n\nIt ships tomorrow."


@pytest.mark.parametrize(
    "tail",
    [
        # Gmail, its attribution wrapped over two lines
        "\n\nOn Tue, 3 Jun 2025 at 10:02, Mali via TikTok Shop <reply+1-2-abc@reply.x>\nwrote:\n\n"
        "> Is it in stock?\n",
        # Apple Mail
        "\n\n> On 3 Jun 2025, at 10:02, Mali <reply+1-2-abc@reply.x> wrote:\n> \n> Hi\n",
        # Outlook desktop
        "\n\nFrom: Mali via TikTok Shop <reply+1-2-abc@reply.x>\nSent: Tuesday, June 3, 2025 "
        "10:02 AM\nTo: support@glowbeauty.example\nSubject: A new message\n\nHi\n",
        # Outlook on the web
        "\n\n________________________________\nFrom: Mali\nSent: Tuesday\n\nHi\n",
        # Old Outlook, Salesforce
        "\n\n-----Original Message-----\nFrom: Mali\nHi\n",
        "\n\n--------------- Original Message ---------------\nFrom: Mali\n",
        # French, Portuguese (Brazil), Spanish (Mexico), German
        "\n\nLe mar. 3 juin 2025 à 10:02, Mali <reply+1-2-abc@reply.x> a écrit :\n> Salut\n",
        "\n\nEm ter., 3 de jun. de 2025 às 10:02, Mali <reply@x> escreveu:\n> Oi\n",
        "\n\nEl mar, 3 jun 2025 a las 10:02, Mali (<reply@x>) escribió:\n> Hola\n",
        "\n\nAm Di., 3. Juni 2025 um 10:02 Uhr schrieb Mali <reply@x>:\n> Hallo\n",
        # Zendesk and Gorgias markers
        "\n\n##- Please type your reply above this line -##\nYour request (#123) was updated.\n",
        "\n\n-- Reply above this line --\nMali wrote: hello\n",
        # Signatures
        "\n-- \nAnna Lee\nGlow Beauty customer care\n",
        "\n\nSent from my iPhone\n",
        "\n\nGet Outlook for Android\n",
        # A Salesforce Email-to-Case thread id, on a line of its own
        "\n\nref:_00D5g0bKX._5005g02X4Tn:ref\n",
    ],
)
def test_history_and_signatures_are_left_out(tail: str) -> None:
    assert reply_from_text(ANSWER + tail) == ANSWER


def test_interleaved_quotes_are_left_out_and_the_answers_kept() -> None:
    text = "> Is it in stock?\nYes.\n> And the price?\n£24.99\n"
    assert reply_from_text(text) == "Yes.\n£24.99"


@pytest.mark.parametrize(
    "own_words",
    [
        "On Monday I wrote to the courier: it is on its way.",
        "From: our warehouse in Leeds, tomorrow.",
        "Price -- £24.99, the lowest this month.",
    ],
)
def test_the_teammates_own_sentences_are_not_mistaken_for_history(own_words: str) -> None:
    assert reply_from_text(f"{own_words}\nThanks!") == f"{own_words}\nThanks!"


def test_an_html_reply_stops_at_the_quote_container_of_each_mail_program() -> None:
    for container in (
        '<div class="gmail_quote">',
        '<div id="divRplyFwdMsg">',
        '<div id="appendonsend"></div><hr>',
        '<div class="yahoo_quoted">',
        '<div class="moz-cite-prefix">',
    ):
        html = f"<p>Yes!</p><p>Ships <i>tomorrow</i> &amp; free.</p>{container}On … wrote: old"
        assert text_of_html(html) == "Yes!\nShips tomorrow & free."


def test_an_html_reply_leaves_out_styles_and_blockquotes() -> None:
    html = (
        "<html><head><style>p{color:red}</style></head><body><p>Hi</p>"
        "<blockquote type='cite'>Is it in stock?</blockquote><p>Yes</p></body></html>"
    )
    assert text_of_html(html) == "Hi\nYes"


def test_the_plain_text_part_is_preferred_and_html_is_the_fallback() -> None:
    assert reply_body(text="Plain\n> old", html="<p>Rich</p>") == "Plain"
    assert reply_body(text="", html="<p>Rich</p>") == "Rich"
    assert reply_body(text=None, html=None) == ""


def test_a_long_reply_is_cut_at_paragraphs_then_sentences_never_mid_word() -> None:
    paragraph = "Our serum is made in Korea. " * 50  # 1400 characters
    text = f"{paragraph.strip()}\n\n{paragraph.strip()}"

    parts = split_message(text, limit=2000)

    assert parts == [paragraph.strip(), paragraph.strip()]


def test_a_cut_without_paragraphs_falls_on_a_sentence_end() -> None:
    text = "Our serum is made in Korea. " * 100  # 2800 characters, one paragraph

    first, second = split_message(text, limit=2000)

    assert len(first) <= 2000
    assert first.endswith("Korea.")
    assert f"{first} {second}" == text.strip()


def test_words_are_never_cut_unless_one_has_no_space_for_2000_characters() -> None:
    words = " ".join(["glow"] * 600)  # 2999 characters, no sentence ends
    parts = split_message(words, limit=2000)
    assert all(len(part) <= 2000 for part in parts)
    assert " ".join(parts) == words
    assert all(set(part.split(" ")) == {"glow"} for part in parts)

    assert [len(p) for p in split_message("x" * 4500, limit=2000)] == [2000, 2000, 500]
    assert split_message("short", limit=2000) == ["short"]
    assert split_message("  ", limit=2000) == []
