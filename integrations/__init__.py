"""TikTok and TikTok Shop: connections, tokens, capabilities, API clients, webhooks, sync.

Everything that knows how the platforms speak lives here; apps above it (inbox, flows,
attribution) receive platform events through ``webhooks.handlers``, a registry they fill in
at start-up, and never import a client or parse a payload themselves.
"""
