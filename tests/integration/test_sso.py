"""SSO through the local stack: the organisation's IdP, the managed login stand-in, the unchanged authorizer.

The test plays the sign-in popup (the code flow with PKCE on the gateway's
origin) and a browser at the IdP; the tokens it ends with are the pool's and
go through the gateway as any other.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import secrets
from urllib.parse import parse_qs, urlencode, urljoin, urlparse

import pytest
import requests

STATE = "popup-state-1"


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def pages(stack) -> tuple[str, str]:
    return f"{stack['gateway']}/auth/sso-callback", f"{stack['gateway']}/auth/signed-out"


def authorize_url(stack, challenge: str, **overrides: str) -> str:
    params = {
        "response_type": "code",
        "client_id": stack["cognito"]["clientId"],
        "redirect_uri": pages(stack)[0],
        "scope": "openid email profile",
        "state": STATE,
        "identity_provider": stack["sso"]["provider"],
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **overrides,
    }
    return f"{stack['cognito']['endpoint']}/oauth2/authorize?{urlencode(params)}"


def follow(browser: requests.Session, response: requests.Response, stop_at: str) -> requests.Response:
    """Follows redirects until one leads to ``stop_at`` (not fetched) or a page."""
    for _ in range(12):
        if not response.is_redirect:
            return response
        url = urljoin(response.url, response.headers["Location"])
        if url.startswith(stop_at):
            response.headers["X-Stopped-At"] = url
            return response
        response = browser.get(url, allow_redirects=False, timeout=30)
    raise AssertionError("too many redirects")


def sign_in_at_idp(stack, browser: requests.Session, url: str, who: str, password: str | None = None):
    """Through the stand-in to the IdP's page, signed in there; the redirect that comes back to the gateway."""
    user = stack["sso"]["users"][who]
    page = follow(browser, browser.get(url, allow_redirects=False, timeout=30), stop_at=pages(stack)[0])
    assert page.status_code == 200 and "Sign in with your organisation account" in page.text, page.text[:300]
    answer = browser.post(
        f"{page.url}/login", data={"username": user["username"], "password": password or user["password"]},
        allow_redirects=False, timeout=30,
    )
    return follow(browser, answer, stop_at=pages(stack)[0])


def callback_query(response: requests.Response) -> dict[str, str]:
    stopped = response.headers.get("X-Stopped-At")
    assert stopped, (response.status_code, response.text[:300])
    return {key: values[0] for key, values in parse_qs(urlparse(stopped).query).items()}


def redeem(stack, code: str, verifier: str, **overrides: str) -> requests.Response:
    form = {
        "grant_type": "authorization_code",
        "client_id": stack["cognito"]["clientId"],
        "code": code,
        "redirect_uri": pages(stack)[0],
        "code_verifier": verifier,
        **overrides,
    }
    return requests.post(f"{stack['cognito']['endpoint']}/oauth2/token", data=form, timeout=30)


def claims_of(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def signed_in(stack, who: str) -> dict:
    verifier, challenge = pkce()
    browser = requests.Session()
    query = callback_query(sign_in_at_idp(stack, browser, authorize_url(stack, challenge), who))
    assert query["state"] == STATE
    tokens = redeem(stack, query["code"], verifier)
    assert tokens.status_code == 200, tokens.text
    return tokens.json()


def gateway(stack, tokens: dict, path: str, method: str = "GET", **kwargs) -> requests.Response:
    return requests.request(
        method, f"{stack['gateway']}/ajax-api/2.0/{path}",
        headers={"Authorization": f"Bearer {tokens['access_token']}"}, timeout=30, **kwargs,
    )


def test_the_federated_reader_gets_the_pools_tokens_with_a_readers_rights(stack):
    tokens = signed_in(stack, "readers")
    claims = claims_of(tokens["access_token"])
    assert claims["iss"] == stack["cognito"]["issuer"]
    assert claims["client_id"] == stack["cognito"]["clientId"]
    assert claims["username"] == f"{stack['sso']['provider']}_{stack['sso']['users']['readers']['username']}"
    assert claims["cognito:groups"] == ["readers"]
    assert gateway(stack, tokens, "mlflow/experiments/search", "POST", json={"max_results": 5}).status_code == 200
    refused = gateway(stack, tokens, "mlflow/experiments/create", "POST", json={"name": f"sso-{secrets.token_hex(4)}"})
    assert refused.status_code == 403 and "Your roles: readers." in refused.json()["message"]


def test_the_federated_admins_write_passes_and_the_team_member_reaches_its_teams_experiment(stack):
    admin = signed_in(stack, "admins")
    created = gateway(stack, admin, "mlflow/experiments/create", "POST", json={"name": f"sso-{secrets.token_hex(4)}"})
    assert created.status_code == 200, created.text[:200]
    member = signed_in(stack, "sso-dana")
    assert sorted(claims_of(member["access_token"])["cognito:groups"]) == ["readers", "team-a"]
    experiment = stack["teams"]["team-a"]["experiments"][0]
    assert gateway(stack, member, f"mlflow/experiments/get?experiment_id={experiment}").status_code == 200
    outsider = signed_in(stack, "readers")
    assert gateway(stack, outsider, f"mlflow/experiments/get?experiment_id={experiment}").status_code == 403


def test_a_refresh_token_of_an_sso_session_gives_new_tokens(stack):
    tokens = signed_in(stack, "readers")
    refreshed = requests.post(
        f"{stack['cognito']['endpoint']}/oauth2/token",
        data={"grant_type": "refresh_token", "client_id": stack["cognito"]["clientId"],
              "refresh_token": tokens["refresh_token"]},
        timeout=30,
    )
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["access_token"] != tokens["access_token"]
    assert gateway(stack, refreshed.json(), "mlflow/experiments/search", "POST", json={"max_results": 5}).status_code == 200


def test_a_code_is_redeemed_once_and_only_with_its_pkce_verifier(stack):
    verifier, challenge = pkce()
    browser = requests.Session()
    code = callback_query(sign_in_at_idp(stack, browser, authorize_url(stack, challenge), "readers"))["code"]
    wrong = redeem(stack, code, pkce()[0])
    assert wrong.status_code == 400 and wrong.json() == {"error": "invalid_grant"}
    # The wrong verifier spent it: not even the right one redeems it now.
    assert redeem(stack, code, verifier).json() == {"error": "invalid_grant"}

    verifier, challenge = pkce()
    code = callback_query(sign_in_at_idp(stack, requests.Session(), authorize_url(stack, challenge), "readers"))["code"]
    assert redeem(stack, code, verifier).status_code == 200
    replayed = redeem(stack, code, verifier)
    assert replayed.status_code == 400 and replayed.json() == {"error": "invalid_grant"}


def test_a_tampered_state_at_the_pools_callback_is_refused(stack):
    _, challenge = pkce()
    browser = requests.Session()
    started = follow(browser, browser.get(authorize_url(stack, challenge), allow_redirects=False, timeout=30),
                     stop_at="never")
    assert started.status_code == 200  # the IdP's sign-in page
    tampered = requests.get(
        f"{stack['cognito']['endpoint']}/oauth2/idpresponse", params={"code": "x", "state": "forged"}, timeout=30
    )
    assert tampered.status_code == 400 and "invalid_state" in tampered.text
    assert "Location" not in tampered.headers


def test_a_redirect_uri_off_the_gateway_and_a_wrong_password_get_no_code(stack):
    _, challenge = pkce()
    foreign = requests.get(
        authorize_url(stack, challenge, redirect_uri="https://attacker.example/auth/sso-callback"),
        allow_redirects=False, timeout=30,
    )
    assert foreign.status_code == 400 and "Location" not in foreign.headers
    plain = requests.get(authorize_url(stack, "x", code_challenge_method="plain"), allow_redirects=False, timeout=30)
    assert plain.status_code == 302 and "error=invalid_request" in plain.headers["Location"]
    answer = sign_in_at_idp(stack, requests.Session(), authorize_url(stack, challenge), "readers", password="wrong-password-1A!")
    assert answer.status_code == 401 and "X-Stopped-At" not in answer.headers


def test_a_token_from_another_issuer_is_refused_by_the_authorizer(stack):
    # The IdP's own ID token for the same person: signed, but not by the user pool.
    tokens = signed_in(stack, "readers")
    assert claims_of(tokens["id_token"])["iss"] == stack["cognito"]["issuer"]
    idp_token = _idp_id_token(stack)
    assert claims_of(idp_token)["iss"] == stack["sso"]["issuer"]
    refused = gateway(stack, {"access_token": idp_token}, "mlflow/experiments/search", "POST", json={})
    assert refused.status_code == 401


def _idp_id_token(stack) -> str:
    """An ID token straight from the IdP, as its own client would get one (the stack's state holds the secret)."""
    from pathlib import Path

    state = json.loads((Path(__file__).resolve().parents[2] / ".local" / "state.json").read_text())
    callback = f"{stack['cognito']['endpoint']}/oauth2/idpresponse"
    browser = requests.Session()
    user = stack["sso"]["users"]["readers"]
    started = browser.get(
        f"{stack['sso']['issuer']}/auth",
        params={"client_id": "local-user-pool", "redirect_uri": callback, "response_type": "code",
                "scope": "openid", "state": "s", "nonce": "n"},
        allow_redirects=False, timeout=30,
    )
    page = urljoin(started.url, started.headers["Location"])
    answer = browser.post(f"{page}/login", data={"username": user["username"], "password": user["password"]},
                          allow_redirects=False, timeout=30)
    stopped = follow(browser, answer, stop_at=callback).headers["X-Stopped-At"]
    code = parse_qs(urlparse(stopped).query)["code"][0]
    redeemed = requests.post(
        f"{stack['sso']['issuer']}/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": callback},
        auth=("local-user-pool", state["sso"]["clientSecret"]), timeout=30,
    )
    return redeemed.json()["id_token"]


def sign_out(stack, browser: requests.Session, logout_uri: str) -> requests.Response:
    """The managed login's ``/logout``, through the IdP's own sign-out form (which a browser submits at once)."""
    answer = browser.get(
        f"{stack['cognito']['endpoint']}/logout",
        params={"client_id": stack["cognito"]["clientId"], "logout_uri": logout_uri}, allow_redirects=False, timeout=30,
    )
    page = follow(browser, answer, stop_at=logout_uri)
    if page.status_code != 200 or "op.logoutForm" not in page.text:
        return page
    action = re.search(r'<form[^>]*action="([^"]+)"', page.text)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    assert action and fields.get("logout") == "yes", page.text[:500]
    submitted = browser.post(urljoin(page.url, html.unescape(action.group(1))), data=fields, allow_redirects=False, timeout=30)
    return follow(browser, submitted, stop_at=logout_uri)


def test_sign_out_ends_the_session_at_the_idp_and_returns_to_the_gateways_page(stack):
    browser = requests.Session()
    _, challenge = pkce()
    callback_query(sign_in_at_idp(stack, browser, authorize_url(stack, challenge), "readers"))
    # Signed in at the IdP: another sign-in does not ask again.
    again = follow(browser, browser.get(authorize_url(stack, challenge), allow_redirects=False, timeout=30), pages(stack)[0])
    assert "code" in callback_query(again)

    ended = sign_out(stack, browser, pages(stack)[1])
    assert ended.headers.get("X-Stopped-At") == pages(stack)[1], (ended.status_code, ended.text[:300])
    # The IdP's session is over: the next sign-in asks for the password.
    page = follow(browser, browser.get(authorize_url(stack, challenge), allow_redirects=False, timeout=30), pages(stack)[0])
    assert page.status_code == 200 and "Sign in with your organisation account" in page.text


def test_sign_out_returns_to_no_other_page(stack):
    answer = requests.get(
        f"{stack['cognito']['endpoint']}/logout",
        params={"client_id": stack["cognito"]["clientId"], "logout_uri": "https://attacker.example/"},
        allow_redirects=False, timeout=30,
    )
    assert answer.status_code == 400 and "Location" not in answer.headers


def test_the_idp_sign_out_return_is_refused_for_an_unknown_sign_out(stack):
    answer = requests.get(
        f"{stack['cognito']['endpoint']}/oauth2/idp-signed-out", params={"state": "forged"},
        allow_redirects=False, timeout=30,
    )
    assert answer.status_code == 400 and "Location" not in answer.headers


@pytest.mark.parametrize("origin, shared", [("gateway", True), ("https://attacker.example", False)])
def test_the_token_endpoint_answers_the_gateways_callback_page_alone(stack, origin, shared):
    origin = stack["gateway"] if origin == "gateway" else origin
    answer = requests.post(
        f"{stack['cognito']['endpoint']}/oauth2/token",
        data={"grant_type": "authorization_code", "client_id": stack["cognito"]["clientId"], "code": "unknown"},
        headers={"Origin": origin}, timeout=30,
    )
    assert answer.status_code == 400 and answer.json() == {"error": "invalid_grant"}
    assert answer.headers.get("Access-Control-Allow-Origin") == (origin if shared else None)


def test_an_oversized_token_request_is_refused_as_a_bad_request(stack):
    answer = requests.post(
        f"{stack['cognito']['endpoint']}/oauth2/token",
        data={"grant_type": "authorization_code", "client_id": stack["cognito"]["clientId"], "code": "a" * 20_000},
        timeout=30,
    )
    assert answer.status_code == 400 and answer.json() == {"error": "invalid_request"}
