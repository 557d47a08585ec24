"""Routing rules: what happens to a conversation when a contact writes, before anyone (or the
bot) answers.

A rule has conditions (the account the message came to, what kind of message it is, words in
it, a tag the contact has), combined with ALL or ANY as comment triggers combine theirs, and
actions (set a contact field, add a tag, assign the conversation to a teammate). An empty
condition is not asked; a rule with none never matches.

When they run. ``message_route`` is called by the inbox for every new inbound message it
hands to ``hooks.message_received`` (a TikTok DM in ``services.message_record``, a Shop chat
buyer message in ``shop_chat._message_store``), under the lock the caller holds on the
conversation and before the hooks fire, so the bot and helpdesk forwarding already see the
tags and the assignee routing set. The caller stores the message with ``get_or_create`` and
routes only a message it created: a redelivered webhook or the chat sync reading the same
message again never routes it twice (``RoutingApplication`` is also unique per message and
rule). Shop chat history read quietly (the first sync of an account) is not news and is not
routed.

In order, all of them. The workspace's active rules run by ``position``; every rule that
matches applies, each seeing what the ones before it did: a tag added by rule 1 satisfies
rule 2's "contact has tag", and a field set by rule 1 is overwritten by rule 2. Assignment
never takes a conversation from a teammate: a rule assigns only when nobody had the
conversation as the message arrived (if two rules assign, the later one decides). A rule
naming someone who has since left the workspace assigns nobody.

Cost: one query reads the rules (their accounts and whether the assignee is still a member
as annotations); the contact is locked once; each change is one write, and the notes and
application records are one insert each, whatever the number of rules.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from chatsparks.keywords import KeywordMatcher
from chatsparks.ranking import ranks_moved, ranks_set
from chatsparks.users.models import User
from chatsparks.workspaces.models import Membership, Workspace
from inbox.models import (
    Contact,
    Conversation,
    Message,
    RoutingApplication,
    RoutingRule,
)
from integrations.models import Connection, Provider

# Shop chat cards the inbox stores as "other", told apart by TikTok Shop's own type.
_SHOP_TYPES = {
    "RETURN_REFUND_CARD": RoutingRule.MessageType.RETURN_REFUND_CARD,
    "COUPON_CARD": RoutingRule.MessageType.COUPON_CARD,
}
POSITION_STEP = 10
KEYWORD_MAX, TAG_MAX = 100, 50
PANEL_SIZE = 10

NO_CONDITION = "Choose at least one condition: an account, a message type, a keyword or a tag."
NO_ACTION = "Choose at least one action: set a field, add a tag or assign to a teammate."


# --- Reads -----------------------------------------------------------------------------------


def routing_rule_list(*, workspace: Workspace | int) -> QuerySet[RoutingRule]:
    """Every rule of the workspace in the order they run, with their accounts and assignee."""
    return (
        RoutingRule.objects.for_workspace(workspace)
        .select_related("assignee")
        .prefetch_related("connections")
        .annotate(assignee_is_member=_assignee_is_member(workspace))
        .order_by("position", "id")
    )


def routing_rule_get(*, workspace: Workspace | int, rule_id: int) -> RoutingRule | None:
    return routing_rule_list(workspace=workspace).filter(pk=rule_id).first()


def _assignee_is_member(workspace: Workspace | int) -> Exists:
    return Exists(Membership.objects.for_workspace(workspace).filter(user=OuterRef("assignee")))


def routing_rules_active(*, workspace_id: int) -> list[RoutingRule]:
    """The active rules in order, in one query: each carries ``source_ids`` (its accounts)
    and ``assignee_is_member``."""
    accounts = RoutingRule.connections.through.objects.filter(routingrule_id=OuterRef("pk")).values(
        "connection_id"
    )
    return list(
        RoutingRule.objects.for_workspace(workspace_id)
        .filter(is_active=True)
        .select_related("assignee")
        .annotate(source_ids=ArraySubquery(accounts))
        .annotate(assignee_is_member=_assignee_is_member(workspace_id))
        .order_by("position", "id")
    )


def routing_source_choices(*, workspace: Workspace | int) -> QuerySet[Connection]:
    """The accounts a message can come to: TikTok accounts (DMs) and TikTok Shops (chat)."""
    return (
        Connection.objects.for_workspace(workspace)
        .filter(provider__in=[Provider.TIKTOK, Provider.TIKTOK_SHOP])
        .order_by("provider", "display_name", "pk")
    )


def routing_assignee_choices(*, workspace: Workspace | int) -> QuerySet[User]:
    """The people a rule may assign to: the workspace's members."""
    members = Membership.objects.for_workspace(workspace).values("user_id")
    return User.objects.filter(pk__in=members).order_by("email")


def routing_applications_for(*, conversation: Conversation) -> list[RoutingApplication]:
    """What routing did in this conversation, newest first (the side panel)."""
    return list(
        RoutingApplication.objects.for_workspace(conversation.workspace_id)
        .filter(conversation=conversation)
        .order_by("-applied_at", "-id")[:PANEL_SIZE]
    )


def source_label(connection: Connection) -> str:
    """ "@glowbeauty (TikTok DMs)", "Glow Beauty UK (TikTok Shop chat)"."""
    if connection.provider == Provider.TIKTOK_SHOP:
        name, channel = connection.display_name or connection.external_id, "TikTok Shop chat"
    else:
        name = f"@{connection.handle}" if connection.handle else connection.display_name
        channel = "TikTok DMs"
    gone = "" if connection.status == Connection.Status.CONNECTED else ", not connected"
    return f"{name} ({channel}{gone})"


def rule_summary(rule: RoutingRule) -> tuple[str, str]:
    """(when, then) in words, for lists: ("a product card and a keyword refund", "tag vip")."""
    types = dict(RoutingRule.MessageType.choices)
    conditions = []
    connections = list(rule.connections.all())
    if connections:
        conditions.append("to " + " or ".join(source_label(c) for c in connections))
    if rule.message_types:
        conditions.append("a " + " or ".join(types[t].lower() for t in rule.message_types))
    if rule.keywords:
        conditions.append("saying " + " or ".join(f"“{k}”" for k in rule.keywords))
    if rule.contact_tags:
        conditions.append("from a contact tagged " + " or ".join(rule.contact_tags))
    joiner = " and " if rule.combine == RoutingRule.Combine.ALL else ", or "
    actions = []
    if rule.field_name:
        actions.append(f"set {rule.field_name} to “{rule.field_value}”")
    if rule.add_tag:
        actions.append(f"tag {rule.add_tag}")
    if rule.assignee_id and rule.assignee is not None:
        actions.append(f"assign to {rule.assignee.label} if nobody has it")
    return joiner.join(conditions), ", ".join(actions)


# --- Evaluation ------------------------------------------------------------------------------


def message_type_of(message: Message) -> str:
    """What the contact sent, in routing's terms (``RoutingRule.MessageType``)."""
    payload = message.payload if isinstance(message.payload, dict) else {}
    shop_type = _SHOP_TYPES.get(str(payload.get("shop_type") or ""))
    if shop_type is not None:
        return shop_type
    if message.kind in RoutingRule.MessageType.values:
        return str(message.kind)
    return RoutingRule.MessageType.OTHER


@dataclass
class Incoming:
    """What a rule's conditions are asked about. ``tags`` (casefolded) change as rules add."""

    connection_id: int
    message_type: str
    keyword_rules: set[int]
    tags: set[str] = field(default_factory=set)


def rule_matches(rule: RoutingRule, incoming: Incoming) -> bool:
    """Each condition the rule sets, combined with ALL or ANY; a rule without one: never."""
    results: list[bool] = []
    sources: Sequence[int] = getattr(rule, "source_ids", None) or []
    if sources:
        results.append(incoming.connection_id in sources)
    if rule.message_types:
        results.append(incoming.message_type in rule.message_types)
    if rule.keywords:
        results.append(rule.pk in incoming.keyword_rules)
    if rule.contact_tags:
        results.append(any(tag.casefold() in incoming.tags for tag in rule.contact_tags))
    if not results:
        return False
    return all(results) if rule.combine == RoutingRule.Combine.ALL else any(results)


def keyword_rules(rules: Iterable[RoutingRule], text: str) -> set[int]:
    """Ids of the rules one of whose keywords ``text`` says (whole words, any case, Thai...)."""
    matcher = KeywordMatcher.build((word, rule.pk) for rule in rules for word in rule.keywords)
    return set(matcher.match(text)) if text else set()


# --- Applying --------------------------------------------------------------------------------


def message_route(*, message: Message, conversation: Conversation) -> list[RoutingApplication]:
    """Run the workspace's active rules on a new inbound ``message``. The caller holds the
    lock on ``conversation`` (updated here in place) and calls this once per stored message.
    Returns what the rules changed, one record per rule that changed something."""
    rules = routing_rules_active(workspace_id=conversation.workspace_id)
    if not rules:
        return []
    contact = Contact.unscoped.select_for_update().get(pk=conversation.contact_id)
    tags, fields = list(contact.tags), dict(contact.fields)
    incoming = Incoming(
        connection_id=conversation.connection_id,
        message_type=message_type_of(message),
        keyword_rules=keyword_rules(rules, message.text),
        tags={tag.casefold() for tag in tags},
    )
    held_by = conversation.assignee_id  # someone had it before routing: never taken away
    assigned_by: RoutingRule | None = None
    applications: list[RoutingApplication] = []
    for rule in rules:
        if not rule_matches(rule, incoming):
            continue
        changes: list[str] = []
        if rule.field_name and fields.get(rule.field_name) != rule.field_value:
            fields[rule.field_name] = rule.field_value
            changes.append(f"set {rule.field_name} to “{rule.field_value}”")
        if rule.add_tag and rule.add_tag.casefold() not in incoming.tags:
            tags.append(rule.add_tag)
            incoming.tags.add(rule.add_tag.casefold())
            changes.append(f"tagged {rule.add_tag}")
        if rule.assignee_id and rule.assignee is not None:
            if held_by is not None:
                if changes and held_by != rule.assignee_id:
                    changes.append(f"not reassigned: {_holder_label(conversation)} has it")
            elif not getattr(rule, "assignee_is_member", False):
                if changes:
                    changes.append(f"not assigned: {rule.assignee.label} left the workspace")
            elif conversation.assignee_id != rule.assignee_id:
                conversation.assignee = rule.assignee
                assigned_by = rule
                changes.append(f"assigned to {rule.assignee.label}")
        if changes:
            applications.append(
                RoutingApplication(
                    workspace_id=conversation.workspace_id,
                    rule=rule,
                    rule_name=rule.name,
                    conversation=conversation,
                    message=message,
                    changes=[change[:300] for change in changes],
                )
            )
    if not applications:
        return []
    if tags != contact.tags or fields != contact.fields:
        Contact.unscoped.filter(pk=contact.pk).update(tags=tags, fields=fields)
    if assigned_by is not None:
        conversation.state = Conversation.State.HUMAN
        conversation.handoff_reason = (
            conversation.handoff_reason or f"routing rule “{assigned_by.name}”"
        )[:200]
        conversation.save(update_fields=["assignee", "state", "handoff_reason"])
    now = timezone.now()
    Message.objects.for_workspace(conversation.workspace_id).bulk_create(
        Message(
            workspace_id=conversation.workspace_id,
            conversation=conversation,
            direction=Message.Direction.INTERNAL,
            kind=Message.Kind.SYSTEM,
            text=f"Routing rule “{application.rule_name}”: {', '.join(application.changes)}",
            sent_at=now,
        )
        for application in applications
    )
    return RoutingApplication.objects.for_workspace(conversation.workspace_id).bulk_create(
        applications
    )


def _holder_label(conversation: Conversation) -> str:
    holder = conversation.assignee
    return holder.label if holder is not None else "a teammate"


# --- Managing the rules ----------------------------------------------------------------------


@dataclass(frozen=True)
class RuleData:
    """A rule as a form or a payload gives it, parsed but not yet checked."""

    name: str
    is_active: bool = True
    combine: str = RoutingRule.Combine.ALL
    connection_ids: Sequence[int] = ()
    message_types: Sequence[str] = ()
    keywords: Sequence[str] = ()
    contact_tags: Sequence[str] = ()
    field_name: str = ""
    field_value: str = ""
    add_tag: str = ""
    assignee_id: int | None = None


def _checked(workspace: Workspace, data: RuleData) -> tuple[list[Connection], User | None]:
    """The rule's accounts and assignee, or ``ValidationError`` naming each problem by field:
    an account or a person not of this workspace, no condition, no action."""
    errors: dict[str, list[str]] = {}
    connection_ids = sorted(set(data.connection_ids))
    connections = list(routing_source_choices(workspace=workspace).filter(pk__in=connection_ids))
    if len(connections) != len(connection_ids):
        errors["connections"] = ["Pick accounts connected to this workspace."]
    unknown_types = set(data.message_types) - set(RoutingRule.MessageType.values)
    if unknown_types:
        errors["message_types"] = [f"Unknown message type: {', '.join(sorted(unknown_types))}."]
    assignee = None
    if data.assignee_id is not None:
        assignee = routing_assignee_choices(workspace=workspace).filter(pk=data.assignee_id).first()
        if assignee is None:
            errors["assignee"] = ["Assign to a member of this workspace."]
    if any(len(word) > KEYWORD_MAX for word in data.keywords):
        errors["keywords"] = [f"A keyword has at most {KEYWORD_MAX} characters."]
    if any(len(tag) > TAG_MAX for tag in data.contact_tags):
        errors["contact_tags"] = [f"A tag has at most {TAG_MAX} characters."]
    if not data.name.strip():
        errors["name"] = ["Give the rule a name."]
    if data.field_value and not data.field_name:
        errors["field_name"] = ["Name the contact field the value goes in."]
    if data.field_name and not data.field_value:
        errors["field_value"] = ["Give the value to set."]
    if not (connection_ids or data.message_types or data.keywords or data.contact_tags):
        errors.setdefault("__all__", []).append(NO_CONDITION)
    if not (data.field_name or data.add_tag or data.assignee_id is not None):
        errors.setdefault("__all__", []).append(NO_ACTION)
    if errors:
        raise ValidationError(errors)
    return connections, assignee


def _fill(rule: RoutingRule, data: RuleData, assignee: User | None) -> None:
    rule.name = data.name.strip()
    rule.is_active = data.is_active
    rule.combine = data.combine
    rule.message_types = list(dict.fromkeys(data.message_types))
    rule.keywords = list(dict.fromkeys(data.keywords))
    rule.contact_tags = list(dict.fromkeys(data.contact_tags))
    rule.field_name = data.field_name.strip()
    rule.field_value = data.field_value.strip()
    rule.add_tag = data.add_tag.strip()
    rule.assignee = assignee


def routing_rule_create(*, workspace: Workspace, data: RuleData) -> RoutingRule:
    """A new rule, last in the order. Raises ``ValidationError`` (by field)."""
    connections, assignee = _checked(workspace, data)
    with transaction.atomic():
        last = (
            RoutingRule.objects.for_workspace(workspace)
            .select_for_update()
            .order_by("-position")
            .values_list("position", flat=True)
            .first()
        )
        rule = RoutingRule(workspace=workspace, position=(last or 0) + POSITION_STEP)
        _fill(rule, data, assignee)
        rule.save()
        rule.connections.set(connections)
    return rule


def routing_rule_update(*, rule: RoutingRule, data: RuleData) -> RoutingRule:
    """Raises ``ValidationError`` (by field) and changes nothing when the data is invalid."""
    connections, assignee = _checked(rule.workspace, data)
    with transaction.atomic():
        _fill(rule, data, assignee)
        rule.save()
        rule.connections.set(connections)
    return rule


def routing_rule_set_active(*, rule: RoutingRule, active: bool) -> RoutingRule:
    rule.is_active = active
    rule.save(update_fields=["is_active", "updated_at"])
    return rule


def routing_rule_delete(*, rule: RoutingRule) -> None:
    """What the rule did stays on the conversations it routed, under its name."""
    rule.delete()


def routing_rules_reorder(*, workspace: Workspace | int, rule_ids: Sequence[int]) -> None:
    """Positions follow ``rule_ids`` (first runs first), naming every rule of the workspace
    once (``chatsparks.ranking``)."""
    ranks_set(
        rows=RoutingRule.objects.for_workspace(workspace),
        ids=list(rule_ids),
        field="position",
        step=POSITION_STEP,
        stale="The list of rules changed: reload the page and try again.",
    )


def routing_rule_move(*, rule: RoutingRule, offset: int) -> None:
    """One place up (-1) or down (+1) in the order."""
    rules = RoutingRule.objects.for_workspace(rule.workspace_id)
    ordered = ranks_moved(rows=rules, pk=rule.pk, offset=offset, field="position")
    routing_rules_reorder(workspace=rule.workspace_id, rule_ids=ordered)


def parse_list(raw: Any) -> list[str]:
    """ "price, link ,,ราคา" → ["price", "link", "ราคา"] (commas, surrounding spaces dropped)."""
    return [part.strip() for part in str(raw or "").split(",") if part.strip()]
