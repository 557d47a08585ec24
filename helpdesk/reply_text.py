"""What of an emailed reply reaches the buyer: the words the teammate wrote, without the
history quoted under them or the signature after them; then cut into Shop chat messages.

TikTok Shop's own email bridge promises the same ("only the content of the email body will be
sent to the buyer"). Quoted history is recognised by the marks mail programs and helpdesks
leave: ``>`` lines, an "On … wrote:" line (in the languages of TikTok Shop's markets), Outlook's
header block and separators, Zendesk's and Gorgias's "reply above this line", Gmail's, Apple
Mail's, Outlook's and Yahoo's quote containers in HTML. A signature is cut where it can be
told apart: the ``-- `` delimiter (RFC 3676) and the "Sent from my phone" lines. Anything
else is the teammate's words and goes to the buyer as written.
"""

import re
from html.parser import HTMLParser

# "On Tue, 3 Jun 2025 at 10:02, Mali <mali@example.com> wrote:", which Gmail wraps over two or
# three lines; and the same in French, Spanish, Portuguese, German, Dutch, Italian. A date or a
# time is always in it: "On Monday I wrote:" is the teammate's own sentence.
_ATTRIBUTION = re.compile(
    r"^(?=.*\d)(?:On|Le|El|Em|Am|Op|Il)\b.{0,400}?"
    r"(?:\b(?:wrote|a écrit|escribió|escreveu|schreef|ha scritto)\s?|\bschrieb\b.{0,120}?):$",
    re.IGNORECASE,
)
# Lines where everything from there on is history.
_SEPARATORS = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^-{2,}\s*(?:original message|message d'origine|mensaje original|mensagem original|"
        r"ursprüngliche nachricht|oorspronkelijk bericht|messaggio originale)\s*-{2,}",
        r"^-{2,}\s*forwarded message\s*-{2,}",
        r"^_{20,}$",
        r"^#{2}-.*-#{2}$",  # Zendesk: "##- Please type your reply above this line -##"
        r"reply above this line",  # Gorgias, Help Scout, Freshdesk
    )
]
# Outlook's plain-text header block: "From: …" then "Sent: …" (or Date/To) within a few lines.
_HEADER_FROM = re.compile(r"^\*?(?:From|De|Von|Van|Da)\s?:\*?\s+\S", re.IGNORECASE)
_HEADER_NEXT = re.compile(
    r"^\*?(?:Sent|Date|To|Subject|Envoyé|Enviado|Gesendet|Verzonden|Inviato|Para|À|An)\s?:",
    re.IGNORECASE,
)
_SIGNATURE = re.compile(
    r"^(?:--\s?|sent from my \w+.*|sent from (?:mail|outlook|yahoo mail)\b.*|"
    r"get outlook for \w+.*|envoyé de mon \w+.*|enviado desde mi \w+.*|enviado do meu \w+.*)$",
    re.IGNORECASE,
)
# Salesforce Email-to-Case threading tokens: meaningless to a buyer.
_THREAD_TOKENS = re.compile(r"ref:_[\w.]+:ref|thread::[\w-]+::", re.IGNORECASE)


def reply_from_text(text: str) -> str:
    """The new words of a plain-text reply."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        if _is_history(lines, index) or _SIGNATURE.match(stripped):
            break
        if stripped.startswith(">"):
            continue  # an interleaved quote: theirs, not ours
        kept.append(_THREAD_TOKENS.sub("", line).rstrip())
    body = "\n".join(kept)
    return re.sub(r"\n{3,}", "\n\n", body).strip()


def _is_history(lines: list[str], index: int) -> bool:
    line = lines[index].strip()
    if not line:
        return False
    if any(pattern.search(line) for pattern in _SEPARATORS):
        return True
    if _HEADER_FROM.match(line) and any(
        _HEADER_NEXT.match(following.strip()) for following in lines[index + 1 : index + 5]
    ):
        return True
    # An attribution line, possibly wrapped: try it alone, then joined with the next two.
    joined = line
    for following in ["", *lines[index + 1 : index + 3]]:
        joined = f"{joined} {following.strip()}".strip() if following else joined
        if _ATTRIBUTION.match(joined):
            return True
    return False


# --- HTML-only replies ------------------------------------------------------------------------

# Containers mail programs put the quoted history in: everything from one on is history.
_HISTORY_MARKERS = (
    "gmail_quote",
    "gmail_quote_container",
    "divrplyfwdmsg",
    "appendonsend",
    "yahoo_quoted",
    "moz-cite-prefix",
    "mail-editor-reference-message-container",
    "zendesk_quote",
)
_BLOCKS = frozenset({
    "address", "article", "blockquote", "div", "dl", "dt", "dd", "footer", "h1", "h2", "h3",
    "h4", "h5", "h6", "header", "hr", "li", "ol", "p", "pre", "section", "table", "tr", "ul",
})  # fmt: skip
_INVISIBLE = frozenset({"head", "style", "script", "title", "template"})


class _TextOfHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.hidden = 0  # depth inside elements whose text is not shown
        self.quoted = 0  # depth inside <blockquote>
        self.done = False
        self.link: str | None = None
        self.link_text: list[str] = []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)  # <br/> is one line break, not an element to close

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        marks = " ".join((value or "").lower() for name, value in attrs if name in ("class", "id"))
        if any(mark in _HISTORY_MARKERS for mark in marks.split()):
            self.done = True
        elif tag in _INVISIBLE:
            self.hidden += 1
        elif tag == "blockquote":
            self.quoted += 1
        elif tag == "br":
            self.chunks.append("\n")
        elif tag == "a":
            self.link = dict(attrs).get("href") or ""
            self.link_text = []
        if tag in _BLOCKS:
            self._line_break()

    def handle_endtag(self, tag: str) -> None:
        if self.done:
            return
        if tag in _INVISIBLE:
            self.hidden = max(0, self.hidden - 1)
        elif tag == "blockquote":
            self.quoted = max(0, self.quoted - 1)
        elif tag == "a" and self.link is not None:
            # Shop chat shows no links: keep the address readable beside the words.
            words, href = "".join(self.link_text).strip(), self.link
            self.link = None
            if href.startswith(("http://", "https://")) and words and words != href:
                self.chunks.append(f" ({href})")
        if tag in _BLOCKS:
            self._line_break()

    def handle_data(self, data: str) -> None:
        if self.done or self.hidden or self.quoted:
            return
        text = re.sub(r"\s+", " ", data)
        if self.link is not None:
            self.link_text.append(text)
        self.chunks.append(text)

    def _line_break(self) -> None:
        """A block starts or ends a line; Gmail's one <div> per line must not double-space."""
        if self.chunks and not self.chunks[-1].endswith("\n"):
            self.chunks.append("\n")


def text_of_html(html: str) -> str:
    """The visible text of an HTML email up to its quoted history, one line per block."""
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    lines = [line.strip() for line in "".join(parser.chunks).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def reply_body(*, text: str | None, html: str | None) -> str:
    """The new words of an email, from its plain-text part when it has one (every mail program
    and helpdesk sends one), else from its HTML."""
    if text and text.strip():
        return reply_from_text(text)
    if html:
        return reply_from_text(text_of_html(html))
    return ""


# --- Shop chat messages -----------------------------------------------------------------------


def split_message(text: str, *, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut where a reader would pause: a
    blank line, else a line break, else the end of a sentence, else a space, and mid-word only
    in a single run of ``limit`` characters without any space."""
    rest = text.strip()
    parts: list[str] = []
    while len(rest) > limit:
        cut = _cut_point(rest, limit)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


def _cut_point(text: str, limit: int) -> int:
    window = text[: limit + 1]  # a boundary right after the limit still fits the piece before it
    floor = limit // 2  # never leave a piece less than half full when a later cut exists
    for pattern in (r"\n\s*\n", r"\n", r"[.!?…。！？](?=\s)", r"\s"):
        ends = [
            m.end() if pattern.startswith("[") else m.start() for m in re.finditer(pattern, window)
        ]
        ends = [end for end in ends if 0 < end <= limit]
        good = [end for end in ends if end >= floor]
        if good:
            return good[-1]
    spaces = [m.start() for m in re.finditer(r"\s", window) if 0 < m.start() <= limit]
    return spaces[-1] if spaces else limit
