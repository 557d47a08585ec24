"""API for Business OAuth (tt_user), token checks and the API's envelope conventions."""

import base64
import hashlib

from emulator.business.events import signature
from tests.emulator.conftest import BUSINESS_API, Biz


def test_signature_reproduces_the_computed_vector_of_the_wire_notes() -> None:
    body = (
        b'{"client_key":"bwo2m45353a6k85","event":"authorization.removed",'
        b'"create_time":1615338610,"user_openid":"act.example12345Example12345Example",'
        b'"content":"{\\"reason\\": 1 }"}'
    )
    assert signature("test_client_secret", 1633174587, body) == (
        "t=1633174587,s=39c29244091b6bb0d67eca735a97218805842b7c8cea52dde8296f6c0c36ae09"
    )


def test_authorize_page_shows_the_creator_and_one_ticked_box_per_scope(biz: Biz) -> None:
    response = biz.client.get("/v2/auth/authorize/", params=biz.authorize_params())
    assert response.status_code == 200
    page = response.text
    assert "Glow Beauty" in page
    assert "@glowbeauty" in page
    assert page.count("type='checkbox'") == 6
    assert page.count(" checked>") == 6
    assert "Authorize" in page
    assert "Deny" in page


def test_authorize_page_refuses_unknown_client_and_unregistered_redirect(biz: Biz) -> None:
    bad_client = biz.authorize_params(client_key="nope")
    assert biz.client.get("/v2/auth/authorize/", params=bad_client).status_code == 400
    bad_redirect = biz.authorize_params(redirect_uri="ftp://evil.example/cb")
    assert biz.client.get("/v2/auth/authorize/", params=bad_redirect).status_code == 400


def test_happy_path_issues_tokens_with_the_current_field_names(biz: Biz) -> None:
    redirect = biz.consent(biz.authorize_params())
    assert redirect["state"] == "st4te"
    assert redirect["scopes"].split(",") == list(biz.authorize_params()["scope"].split(","))
    body = biz.exchange(redirect["code"])
    assert body["code"] == 0
    assert body["message"] == "OK"
    assert body["request_id"]
    data = body["data"]
    assert set(data) == {
        "open_id",
        "scope",
        "access_token",
        "refresh_token",
        "expires_in",
        "refresh_token_expires_in",
        "token_type",
    }
    assert data["open_id"] == biz.business_id
    assert len(data["open_id"]) == 19
    assert data["expires_in"] == biz.config.business_access_token_lifetime
    biz.token = data["access_token"]
    profile = biz.get("/business/get/")
    assert profile["code"] == 0
    assert profile["data"]["username"] == "glowbeauty"
    assert profile["data"]["display_name"] == "Glow Beauty"


def test_an_unticked_scope_is_left_out_and_its_endpoints_answer_40001(biz: Biz) -> None:
    params = biz.authorize_params()
    ticked = ("user.info.basic", "video.list", "message.list.read")
    redirect = biz.consent(params, ticked=ticked)
    assert redirect["scopes"] == ",".join(ticked)
    data = biz.exchange(redirect["code"])["data"]
    assert data["scope"] == ",".join(ticked)
    biz.token = data["access_token"]
    video_id = biz.get("/business/video/list/")["data"]["videos"][0]["item_id"]
    assert biz.get("/business/comment/list/", video_id=video_id)["code"] == 40001


def test_deny_redirects_with_access_denied_and_state(biz: Biz) -> None:
    redirect = biz.consent(biz.authorize_params(), action="deny")
    assert redirect["error"] == "access_denied"
    assert redirect["error_description"]
    assert redirect["state"] == "st4te"
    assert "code" not in redirect


def test_a_code_is_single_use(biz: Biz) -> None:
    code = biz.consent(biz.authorize_params())["code"]
    assert biz.exchange(code)["code"] == 0
    again = biz.exchange(code)
    assert again["code"] == 40002
    assert again["data"] == {}


def test_a_code_expires_after_ten_minutes(biz: Biz) -> None:
    code = biz.consent(biz.authorize_params())["code"]
    biz.emulator.clock.advance(601)
    assert biz.exchange(code)["code"] == 40002


def test_pkce_is_verified_when_a_challenge_was_given(biz: Biz) -> None:
    verifier = "a-verifier-of-sufficient-length-0123456789-abcdefghijkl"
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    params = biz.authorize_params(
        code_challenge=challenge.rstrip(b"=").decode(), code_challenge_method="S256"
    )
    wrong = biz.consent(params)["code"]
    assert biz.exchange(wrong, code_verifier="something-else")["code"] == 40002
    missing = biz.consent(params)["code"]
    assert biz.exchange(missing)["code"] == 40002
    right = biz.consent(params)["code"]
    assert biz.exchange(right, code_verifier=verifier)["code"] == 0


def _refresh(biz: Biz, token: str) -> dict:
    return biz.post(
        "/tt_user/oauth2/refresh_token/",
        {
            "client_id": biz.config.business_client_key,
            "client_secret": biz.config.business_client_secret,
            "grant_type": "refresh_token",
            "refresh_token": token,
        },
    )


def test_refresh_rotates_and_a_used_refresh_token_is_refused(biz: Biz) -> None:
    first = biz.connect()
    rotated = _refresh(biz, first["refresh_token"])
    assert rotated["code"] == 0
    assert rotated["data"]["refresh_token"] != first["refresh_token"]
    assert rotated["data"]["access_token"] != first["access_token"]
    assert rotated["data"]["scope"] == first["scope"]
    assert _refresh(biz, first["refresh_token"])["code"] == 40105
    assert _refresh(biz, rotated["data"]["refresh_token"])["code"] == 0


def test_wrong_client_secret_is_refused(biz: Biz) -> None:
    code = biz.consent(biz.authorize_params())["code"]
    assert biz.exchange(code, client_secret="wrong")["code"] == 40001


def test_revoke_invalidates_tokens_and_notifies(biz: Biz) -> None:
    biz.subscribe("DIRECT_MESSAGE", "http://127.0.0.1:9/hook")
    data = biz.connect()
    body = biz.post(
        "/tt_user/oauth2/revoke/",
        {
            "client_id": biz.config.business_client_key,
            "client_secret": biz.config.business_client_secret,
            "access_token": data["access_token"],
        },
    )
    assert body["code"] == 0
    assert biz.get("/business/get/")["code"] == 40105
    assert _refresh(biz, data["refresh_token"])["code"] == 40105
    [removed] = biz.deliveries("authorization.removed")
    assert b'"content":"{\\"reason\\": 5}"' in removed.body


def test_missing_expired_and_unknown_tokens(biz: Biz) -> None:
    assert biz.get("/business/get/", token="")["code"] == 40104
    assert biz.get("/business/get/", token="act.nope")["code"] == 40105
    biz.connect()
    assert biz.get("/business/get/")["code"] == 0
    biz.control("/tokens/expire")
    expired = biz.get("/business/get/")
    assert expired["code"] == 40105
    assert expired["message"]


def test_access_token_expires_with_the_virtual_clock(biz: Biz) -> None:
    biz.connect()
    biz.client.post(
        "/_control/clock/advance",
        json={"seconds": biz.config.business_access_token_lifetime + 1},
    )
    assert biz.get("/business/get/")["code"] == 40105


def test_paths_need_their_trailing_slash(biz: Biz) -> None:
    biz.connect()
    response = biz.client.get(
        BUSINESS_API + "/business/get",
        params={"business_id": biz.business_id},
        headers={"Access-Token": biz.token},
        follow_redirects=False,
    )
    assert response.status_code == 404


def test_injected_throttling_is_http_200_with_code_40100(biz: Biz) -> None:
    biz.connect()
    biz.client.post(
        "/_control/faults", json={"path": "/business/get/", "kind": "rate_limit", "remaining": 1}
    )
    assert biz.get("/business/get/")["code"] == 40100
    assert biz.get("/business/get/")["code"] == 0
    biz.client.post(
        "/_control/faults", json={"path": "/business/get/", "kind": "server_error", "remaining": 1}
    )
    response = biz.client.get(
        BUSINESS_API + "/business/get/",
        params={"business_id": biz.business_id},
        headers={"Access-Token": biz.token},
    )
    assert response.status_code == 500
    assert response.json()["code"] == 51065


def test_authorize_page_also_answers_without_the_slash(biz: Biz) -> None:
    response = biz.client.get(
        "/v2/auth/authorize", params=biz.authorize_params(), follow_redirects=False
    )
    assert response.status_code == 200


def test_reset_reseeds_deterministically(biz: Biz) -> None:
    store = biz.emulator.business.store
    before = (store.account.business_id, sorted(store.videos), sorted(store.viewers))
    first = biz.control("/comments", {"text": "one"})["comment_id"]
    biz.client.post("/_control/reset")
    assert (store.account.business_id, sorted(store.videos), sorted(store.viewers)) == before
    assert biz.control("/comments", {"text": "again"})["comment_id"] == first
    ages = sorted(v.age for v in store.viewers.values())
    assert ages[0] < 18
    assert {v.locale for v in store.viewers.values()} == {"en", "th", "vi", "id"}
