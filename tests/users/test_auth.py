import re
from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import mail
from django.urls import reverse

from tests.factories import UserFactory
from tests.factories.users import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-Different-passphrase-42"


def link_in(body: str) -> str:
    match = re.search(r"https?://testserver(/\S+)", body)
    assert match, body
    return match.group(1)


def test_sign_up_verify_email_then_create_a_workspace(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post(
        reverse("account_signup"),
        {"email": "Creator@Example.com", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response["Location"] == reverse("account_email_verification_sent")
    # Not signed in until the address is proven.
    assert client.get("/")["Location"].startswith(reverse("account_login"))

    [email] = mail.outbox
    assert email.to == ["creator@example.com"]
    confirm = link_in(email.body)
    assert client.get(confirm).status_code == 200
    confirmed = client.post(confirm)

    assert confirmed["Location"] == reverse("dashboard:home")
    assert client.get("/")["Location"] == reverse("workspaces:create")


def test_an_unverified_address_cannot_sign_in(client) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory(verified=False)

    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})

    assert response["Location"] == reverse("account_email_verification_sent")
    assert client.get("/")["Location"].startswith(reverse("account_login"))


def test_sign_in_and_out(client) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory()

    response = client.post(
        reverse("account_login"), {"login": user.email.upper(), "password": PASSWORD}
    )
    assert response["Location"] == reverse("dashboard:home")

    client.post(reverse("account_logout"))
    assert client.get("/")["Location"].startswith(reverse("account_login"))


def request_reset(client, email: str) -> str:  # type: ignore[no-untyped-def]
    client.post(reverse("account_reset_password"), {"email": email})
    [message] = mail.outbox
    return link_in(message.body)


def test_a_password_reset_link_works_within_the_hour(client) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory()
    link = request_reset(client, user.email)

    form_page = client.get(link, follow=True)
    assert "token_fail" not in form_page.context
    set_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    done = client.post(set_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_a_password_reset_link_dies_after_one_hour(client) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory()
    link = request_reset(client, user.email)
    later = datetime.now() + timedelta(hours=1, minutes=1)

    with mock.patch.object(PasswordResetTokenGenerator, "_now", return_value=later):
        response = client.get(link, follow=True)
        assert response.context["token_fail"] is True
        final_url = response.redirect_chain[-1][0] if response.redirect_chain else link
        client.post(final_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    user.refresh_from_db()
    assert user.check_password(PASSWORD)
