"""Helpdesk forwarding: TikTok Shop buyer messages to the team's helpdesk by email, and the
helpdesk's email replies back to the buyer in Shop chat.

An app of its own because it is a bridge, not part of the inbox: it sits on top of ``inbox``
(it hears about buyer messages through ``inbox.hooks``, shows itself on the conversation page
through ``inbox.panels`` and answers buyers through ``inbox.services.conversation_reply``) and
talks to the outside world by email, in and out, which nothing below it does. The inbox never
imports it; switching it off is removing it from ``INSTALLED_APPS``.
"""
