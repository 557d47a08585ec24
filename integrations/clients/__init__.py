"""One module per TikTok API, on one base: every call has a timeout, errors are typed,
responses become dataclasses, and secrets never reach a log line."""
