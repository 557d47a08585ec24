"""Seller authorization: the authorize page, token get and refresh (wire notes 1.2)."""

from emulator.shop.auth import CODE_LIFETIME
from tests.emulator.test_shop import REDIRECT, ShopSession, error_of, redirect_query

SHOPS = "/authorization/202309/shops"


def test_page_shows_the_signed_in_seller_regions_and_scopes(shop: ShopSession) -> None:
    response = shop.client.get(
        "/open/authorize", params={"service_id": shop.config.shop_service_id, "state": "abc"}
    )
    assert response.status_code == 200
    page = response.text
    assert "Glow Theory Beauty UK" in page
    assert "<select id='region' name='region'>" in page
    for scope in ("seller.order.info", "seller.product.basic", "seller.customer_service"):
        assert f"value='{scope}' checked" in page
    assert "value='abc'" in page


def test_unknown_service_id_is_refused(shop: ShopSession) -> None:
    response = shop.client.get("/open/authorize", params={"service_id": "1"})
    assert response.status_code == 400
    assert "invalid" in response.text


def test_wrong_region_is_refused_on_the_page_without_a_code(shop: ShopSession) -> None:
    response = shop.consent(region="FR")
    assert response.status_code == 400
    assert "location" not in response.headers
    assert "You chose France, but this seller account has no shop there." in response.text
    assert shop.store.codes == {}


def test_deny_redirects_with_auth_denied(shop: ShopSession) -> None:
    response = shop.consent(action="deny")
    assert response.status_code == 302
    assert redirect_query(response) == {"code": "null", "error": "auth_denied", "state": "st4te"}


def test_no_state_no_state_in_redirect(shop: ShopSession) -> None:
    response = shop.consent(state=None)
    assert set(redirect_query(response)) == {"code"}


def test_token_get_answers_exactly_the_documented_shape(shop: ShopSession) -> None:
    code = shop.authorize()
    assert code.startswith("ROW_")
    now = shop.platform.clock.now_int()
    body = shop.token_get(code)
    assert body["code"] == 0
    assert body["message"] == "success"
    data = body["data"]
    assert set(data) == {
        "access_token", "access_token_expire_in", "refresh_token", "refresh_token_expire_in",
        "open_id", "seller_name", "seller_base_region", "user_type", "granted_scopes",
    }  # fmt: skip
    assert now + 7 * 86400 - 2 <= data["access_token_expire_in"] <= now + 7 * 86400 + 2
    assert now + 365 * 86400 - 2 <= data["refresh_token_expire_in"] <= now + 365 * 86400 + 2
    assert data["open_id"] == shop.shop.open_id != shop.shop.id
    assert data["seller_name"] == "Glow Theory Beauty UK"
    assert data["seller_base_region"] == "GB"
    assert data["user_type"] == 0
    assert data["granted_scopes"] == [
        "seller.authorization.info",
        "seller.order.info",
        "seller.product.basic",
        "seller.customer_service",
    ]


def test_partial_grant(shop: ShopSession) -> None:
    data = shop.connect(scopes=("seller.product.basic",))
    assert data["granted_scopes"] == ["seller.authorization.info", "seller.product.basic"]
    response = shop.call("POST", "/order/202309/orders/search", params={"page_size": 5}, body={})
    assert error_of(response) == (403, 105005)


def test_code_is_single_use(shop: ShopSession) -> None:
    code = shop.authorize()
    assert shop.token_get(code)["code"] == 0
    again = shop.token_get(code)
    assert again["code"] == 36004004
    assert again["data"] is None


def test_code_expires_after_30_minutes(shop: ShopSession) -> None:
    code = shop.authorize()
    shop.platform.clock.advance(CODE_LIFETIME + 1)
    assert shop.token_get(code)["code"] == 36004004


def test_token_get_checks_app_secret_and_grant_type(shop: ShopSession) -> None:
    code = shop.authorize()
    assert shop.token_get(code, app_secret="wrong")["code"] == 36009004
    assert shop.token_get(code, grant_type="authorization_code")["code"] == 36009004
    assert shop.token_get(code)["code"] == 0  # the refused attempts did not use the code


def test_refresh_rotates_and_refuses_the_old_refresh_token(shop: ShopSession) -> None:
    first = shop.connect()
    refreshed = shop.token_refresh(first["refresh_token"])
    assert refreshed["code"] == 0
    data = refreshed["data"]
    assert data["refresh_token"] != first["refresh_token"]
    assert data["access_token"] != first["access_token"]
    assert data["granted_scopes"] == first["granted_scopes"]
    stale = shop.token_refresh(first["refresh_token"])
    assert (stale["code"], stale["data"]) == (36004004, None)
    assert shop.token_refresh(data["refresh_token"])["code"] == 0
    shop.access_token = data["access_token"]
    assert shop.call("GET", SHOPS, cipher=False).status_code == 200


def test_refresh_after_expiry_gives_a_working_token(shop: ShopSession) -> None:
    first = shop.connect()
    shop.control("/tokens/expire")
    assert error_of(shop.call("GET", SHOPS, cipher=False)) == (401, 105002)
    shop.access_token = shop.token_refresh(first["refresh_token"])["data"]["access_token"]
    assert shop.call("GET", SHOPS, cipher=False).status_code == 200


def test_refresh_is_refused_after_revocation(shop: ShopSession) -> None:
    first = shop.connect()
    shop.control("/authorization/revoke")
    assert shop.token_refresh(first["refresh_token"])["code"] == 36004004


def test_reauthorization_after_revocation_works(shop: ShopSession) -> None:
    shop.connect()
    shop.control("/authorization/revoke")
    shop.connect()
    assert shop.call("GET", SHOPS, cipher=False).status_code == 200


def test_without_a_registered_redirect_url_the_code_is_shown(make_shop: object) -> None:
    session = make_shop(shop_redirect_url="")  # type: ignore[operator]
    response = session.consent()
    assert response.status_code == 200
    assert "No Redirect URL is registered" in response.text
    assert "ROW_" in response.text
    assert REDIRECT not in response.text
