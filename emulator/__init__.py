"""A local stand-in for TikTok (API for Business, Login Kit) and TikTok Shop (Partner API).

It speaks the platforms' wire formats as ``shared/tiktok-wire.md`` records them: the same
paths, methods, parameters, field names, envelopes, error codes, signatures and limits. Each
real host becomes one base URL; here every host is served from one origin, since no two
platforms share a path. The product never imports this package and holds no branch for it:
only its base URLs and app credentials point here.

Layout: ``config`` (credentials and knobs), ``clock`` (virtual time), ``webhooks`` (signed,
retried deliveries), ``faults`` (injected 429s, 5xx, latency), ``business/`` (creator side),
``shop/`` (seller side), ``control`` (the page and JSON API that make things happen).
"""
