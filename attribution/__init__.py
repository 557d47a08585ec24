"""Orders traced back to the comment, post, flow and step that produced them.

An app of its own because attribution is its own domain: it reads TikTok Shop orders, which
neither the inbox nor the flows own, and joins them to conversations under rules that must be
stated once (``matching``) and kept apart from how conversations are run."""
