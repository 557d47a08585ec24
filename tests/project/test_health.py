import pytest


@pytest.mark.django_db
def test_healthz_reports_the_database(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"database": "ok"}


def test_pages_carry_a_strict_content_security_policy(client, db) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/accounts/login/")

    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "<script>" not in response.content.decode()
