"""A creator signs up, builds a team, and a role change bites on the teammate's next click."""

import re
from typing import Any

from django.core import mail
from playwright.sync_api import expect

from tests.e2e.conftest import Shots, wait_for_mail

PASSWORD = "Glow-beauty-passphrase-7"


def verification_link(live_server_url: str) -> str:
    [message] = [m for m in mail.outbox if "creator@example.com" in m.to]
    match = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", message.body)
    assert match, message.body
    return live_server_url + match.group(1)


def test_sign_up_invite_accept_and_lose_an_owner_page(
    live_server: Any, browser: Any, celery_worker: None, mail_folder: Any, shots: Shots
) -> None:
    base = live_server.url
    owner_context = browser.new_context(viewport={"width": 1280, "height": 800})
    owner = owner_context.new_page()
    console_errors: list[str] = []
    owner.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)

    # Sign up and verify the address.
    owner.goto(base + "/accounts/signup/")
    owner.get_by_label("Email").fill("creator@example.com")
    owner.get_by_label("Password", exact=True).fill(PASSWORD)
    owner.get_by_label(re.compile(r"Password \(again\)")).fill(PASSWORD)
    shots(owner, "signup")
    owner.get_by_role("button", name=re.compile("Sign Up", re.I)).click()
    expect(
        owner.get_by_role("heading", name=re.compile("Verify Your Email Address", re.I))
    ).to_be_visible()
    shots(owner, "verify-email-sent")
    owner.goto(verification_link(base))
    owner.get_by_role("button", name=re.compile("Confirm", re.I)).click()

    # First workspace.
    expect(owner.get_by_role("heading", name="Create your workspace")).to_be_visible()
    owner.get_by_label("Workspace name").fill("Glow Beauty")
    shots(owner, "create-workspace")
    owner.get_by_role("button", name="Create workspace").click()
    expect(owner.get_by_role("heading", name="Inbox")).to_be_visible()
    expect(owner.get_by_text("No conversations yet")).to_be_visible()
    shots(owner, "inbox-empty")

    # Invite a teammate as an owner; the worker mails the link.
    owner.get_by_role("navigation", name="Sections").get_by_role("link", name="Settings").click()
    expect(owner.locator("#workspace-id")).to_have_text(re.compile(r"^ws_[0-9A-Z]{12}$"))
    owner.get_by_role("navigation", name="Settings").get_by_role("link", name="Members").click()
    owner.get_by_label("Email").fill("kim@example.com")
    owner.get_by_label("Role").select_option("owner")
    owner.get_by_role("button", name="Send invitation").click()
    expect(owner.locator('tr[data-invitation="kim@example.com"]')).to_contain_text("Pending")
    shots(owner, "invitation-pending")
    invitation_mail = wait_for_mail(mail_folder, "kim@example.com")
    join_path = re.search(r"https?://[^/\s]+(/join/[^/\s]+/)", invitation_mail)
    assert join_path, invitation_mail

    # The teammate joins from a separate browser.
    kim_context = browser.new_context(viewport={"width": 390, "height": 844})
    kim = kim_context.new_page()
    kim.goto(base + join_path.group(1))
    expect(kim.get_by_role("heading", name="Join Glow Beauty")).to_be_visible()
    shots(kim, "join-page")
    kim.get_by_role("link", name="Create an account").click()
    kim.get_by_label("Email").fill("kim@example.com")
    kim.get_by_label("Password", exact=True).fill(PASSWORD)
    kim.get_by_label(re.compile(r"Password \(again\)")).fill(PASSWORD)
    kim.get_by_role("button", name=re.compile("Sign Up", re.I)).click()
    kim.get_by_role("button", name="Join workspace").click()
    expect(kim.get_by_role("heading", name="Inbox")).to_be_visible()
    shots(kim, "joined")

    billing = kim.url.replace("/inbox/", "/settings/billing/")
    kim.goto(billing)
    expect(kim.get_by_role("heading", name="Close account")).to_be_visible()
    shots(kim, "owner-sees-billing")

    # The first owner makes Kim a member; Kim's very next request loses the owner-only page.
    owner.reload()
    kim_row = owner.locator('tr[data-member="kim@example.com"]')
    kim_row.get_by_label(re.compile("Role of")).select_option("member")
    kim_row.get_by_role("button", name="Change").click()
    expect(
        owner.locator('tr[data-member="kim@example.com"]').get_by_label(re.compile("Role of"))
    ).to_have_value("member")
    shots(owner, "role-changed")

    response = kim.goto(billing)
    assert response is not None
    assert response.status == 403
    expect(kim.get_by_role("heading", name="You can’t do that here")).to_be_visible()
    shots(kim, "billing-refused")
    kim.goto(base + "/")
    expect(
        kim.get_by_role("navigation", name="Sections").get_by_role("link", name="Settings")
    ).to_be_visible()
    kim.get_by_role("navigation", name="Sections").get_by_role("link", name="Settings").click()
    expect(
        kim.get_by_role("navigation", name="Settings").get_by_role("link", name="Billing")
    ).to_have_count(0)

    assert [e for e in console_errors if "Content Security Policy" in e] == []
    owner_context.close()
    kim_context.close()
