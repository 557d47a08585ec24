"""The dashboard shell: the landing redirect and the sidebar sections.

Inbox, Automations, Flows, Contacts and Analytics are owned by the apps that build them
(inbox/, flows/, attribution/); until an app serves its section, this shell shows that
section's first-run state, telling the user what to do next.
"""
