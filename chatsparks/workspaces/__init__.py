"""Workspaces are the tenant: every piece of customer data belongs to exactly one.

This app owns the workspace, who belongs to it with which role, invitations, closing an
account, the audit trail, and the scope every tenant query goes through (``scope.py``).
"""
