"""The local stand-in for the organisation's identity provider: a real OpenID Connect provider.

It runs on its own here (no stack needed): the test plays Cognito, the client
that federates to it, through the authorization code flow, and a browser
signing in on its page.
"""

from __future__ import annotations

import base64
import json
import secrets
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlparse

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
CALLBACK = "http://127.0.0.1:9229/oauth2/idpresponse"
CLIENT_ID = "local-cognito"
CLIENT_SECRET = secrets.token_urlsafe(32)
USER = {
    "username": "dana",
    "password": "Dana-" + secrets.token_urlsafe(12),
    "email": "dana@example.com",
    "name": "Dana Scientist",
    "groups": ["org-mlflow-readers", "org-forecasting"],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def signing_key() -> dict:
    code = (
        "const {generateKeyPairSync}=require('crypto');"
        "process.stdout.write(JSON.stringify(generateKeyPairSync('rsa',{modulusLength:2048})"
        ".privateKey.export({format:'jwk'})))"
    )
    return json.loads(subprocess.run(["node", "-e", code], capture_output=True, text=True, check=True).stdout)


@pytest.fixture(scope="module")
def idp(tmp_path_factory) -> Iterator[str]:
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    config = tmp_path_factory.mktemp("idp") / "idp.json"
    config.write_text(json.dumps({
        "issuer": issuer,
        "clients": [{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": [CALLBACK]}],
        "users": [USER],
        "signingKey": signing_key(),
        "cookieKeys": [secrets.token_urlsafe(32)],
    }))
    tsx = INFRA / "node_modules" / "tsx" / "dist" / "cli.mjs"
    process = subprocess.Popen(
        ["node", str(tsx), str(INFRA / "local" / "idp" / "main.ts"), "--port", str(port), "--config", str(config)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{issuer}/.well-known/openid-configuration", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            assert time.monotonic() < deadline, "the identity provider did not start"
            time.sleep(0.3)
        yield issuer
    finally:
        process.terminate()
        process.wait(timeout=10)


def authorize(issuer: str, browser: requests.Session, **overrides: str) -> requests.Response:
    params = {
        "client_id": CLIENT_ID,
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "scope": "openid email profile groups",
        "state": secrets.token_urlsafe(16),
        "nonce": secrets.token_urlsafe(16),
        **overrides,
    }
    return browser.get(f"{issuer}/auth", params=params, allow_redirects=False, timeout=10)


def follow_to_callback(browser: requests.Session, response: requests.Response) -> dict[str, list[str]]:
    """Follows the provider's redirects until one goes to Cognito's callback; its query."""
    for _ in range(10):
        location = response.headers.get("Location")
        assert response.is_redirect and location, (response.status_code, response.text[:300])
        url = urljoin(response.url, location)
        if url.startswith(CALLBACK):
            return parse_qs(urlparse(url).query)
        response = browser.get(url, allow_redirects=False, timeout=10)
    raise AssertionError("no redirect to the callback")


def sign_in(issuer: str, password: str) -> tuple[requests.Session, requests.Response]:
    browser = requests.Session()
    started = authorize(issuer, browser, state="state-1")
    assert started.status_code in (302, 303), started.text[:300]
    page_url = urljoin(started.url, started.headers["Location"])
    page = browser.get(page_url, timeout=10)
    assert page.status_code == 200 and "Sign in with your organisation account" in page.text
    answer = browser.post(
        f"{page_url}/login", data={"username": USER["username"], "password": password},
        allow_redirects=False, timeout=10,
    )
    return browser, answer


def claims_of(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def redeem(issuer: str, code: str, secret: str = CLIENT_SECRET) -> requests.Response:
    return requests.post(
        f"{issuer}/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK},
        auth=(CLIENT_ID, secret), timeout=10,
    )


def test_a_user_signs_in_and_the_client_gets_their_groups_in_the_id_token(idp):
    browser, answer = sign_in(idp, USER["password"])
    query = follow_to_callback(browser, answer)
    assert query["state"] == ["state-1"]
    tokens = redeem(idp, query["code"][0])
    assert tokens.status_code == 200, tokens.text
    claims = claims_of(tokens.json()["id_token"])
    assert claims["iss"] == idp and claims["aud"] == CLIENT_ID and claims["sub"] == "dana"
    assert claims["email"] == "dana@example.com" and claims["groups"] == USER["groups"]
    # The IdP's groups (Cognito maps them to roles and teams), also from userinfo.
    me = requests.get(f"{idp}/me", headers={"Authorization": f"Bearer {tokens.json()['access_token']}"}, timeout=10)
    assert me.status_code == 200 and me.json()["groups"] == USER["groups"]


def test_a_wrong_password_is_refused_on_the_page_and_nothing_is_issued(idp):
    _, answer = sign_in(idp, USER["password"] + "x")
    assert answer.status_code == 401
    assert "Wrong username or password." in answer.text
    assert "Location" not in answer.headers


def test_a_code_is_redeemed_once_and_only_by_the_client_with_its_secret(idp):
    browser, answer = sign_in(idp, USER["password"])
    code = follow_to_callback(browser, answer)["code"][0]
    assert redeem(idp, code, secret="not-" + CLIENT_SECRET).status_code == 401
    assert redeem(idp, code).status_code == 200
    replayed = redeem(idp, code)
    assert replayed.status_code == 400 and replayed.json()["error"] == "invalid_grant"


def test_a_redirect_elsewhere_is_refused_without_redirecting(idp):
    answer = authorize(idp, requests.Session(), redirect_uri="https://attacker.example/cb")
    assert answer.status_code == 400
    assert "Location" not in answer.headers


def test_a_sign_in_page_of_another_browser_is_not_this_ones(idp):
    started = authorize(idp, requests.Session())
    page_url = urljoin(started.url, started.headers["Location"])
    # Another browser (no session cookie) posting to the first one's sign-in.
    stranger = requests.post(
        f"{page_url}/login", data={"username": USER["username"], "password": USER["password"]},
        allow_redirects=False, timeout=10,
    )
    assert stranger.status_code == 400 and "Location" not in stranger.headers
