"""Incoming platform notifications: verify, record, acknowledge; process later in batches.

``views`` is the request path (signature check on the raw bytes, one INSERT, a cheap wake-up,
200). ``ingest`` is the worker side (claim pending rows with SKIP LOCKED, route each to its
connection, run its handler). ``handlers`` is the ``{(provider, event type): handler}`` map
that this app and the apps above it fill in.
"""
