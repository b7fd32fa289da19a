"""OidcStaffProvider against a local fake OIDC provider (discovery, JWKS, token endpoint; RS256)."""

from __future__ import annotations

import base64
import json
import time
import urllib.parse
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.test import Client, override_settings

from tests.accounts.fakeservers import serve
from tests.factories import personas
from vardlots.accounts.oidc import OidcError, OidcStaffProvider, pkce_challenge
from vardlots.audit.models import AccessLogEntry, EntryKind
from vardlots.core.middleware import SESSION_KIND

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(claims: dict[str, Any], kid: str = "k1", key: rsa.RSAPrivateKey = KEY) -> str:
    header = b64(json.dumps({"alg": "RS256", "kid": kid, "typ": "JWT"}).encode())
    payload = b64(json.dumps(claims).encode())
    signature = key.sign(f"{header}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{header}.{payload}.{b64(signature)}"


class FakeIdp:
    def __init__(self) -> None:
        self.base = ""
        self.codes: dict[str, dict[str, Any]] = {}
        self.token_requests: list[dict[str, str]] = []

    def __call__(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        if path == "/.well-known/openid-configuration":
            return 200, {"issuer": self.base, "authorization_endpoint": f"{self.base}/authorize",
                         "token_endpoint": f"{self.base}/token", "jwks_uri": f"{self.base}/jwks"}
        if path == "/jwks":
            numbers = KEY.public_key().public_numbers()
            return 200, {"keys": [{"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig",
                                   "n": b64(numbers.n.to_bytes(256, "big")), "e": b64(numbers.e.to_bytes(3, "big"))}]}
        if path == "/token":
            form = dict(urllib.parse.parse_qsl(body.decode()))
            self.token_requests.append(form)
            grant = self.codes.pop(form.get("code", ""), None)
            if grant is None or pkce_challenge(form["code_verifier"]) != grant["challenge"]:
                return 400, {"error": "invalid_grant"}
            return 200, {"access_token": "at", "token_type": "Bearer", "id_token": grant["id_token"]}
        return 404, {}

    def claims(self, expected_nonce: str, hsa_id: str, **extra: Any) -> dict[str, Any]:
        now = int(time.time())
        return {"iss": self.base, "aud": "vardlots", "exp": now + 300, "iat": now, "nonce": expected_nonce,
                "sub": "abc", "employeeHsaId": hsa_id, **extra}


@pytest.fixture
def idp() -> Any:
    fake = FakeIdp()
    with serve(fake) as url:
        fake.base = url
        yield fake


def _authorize(idp: FakeIdp, provider: OidcStaffProvider, hsa_id: str, **extra: Any) -> tuple[dict[str, str],
                                                                                             dict[str, str]]:
    url, state = provider.authorization_request("http://testserver/konto/personal/siths/callback")
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    assert query["code_challenge_method"] == "S256" and query["response_type"] == "code"
    idp.codes["code-1"] = {"challenge": query["code_challenge"],
                           "id_token": sign(idp.claims(query["nonce"], hsa_id, **extra))}
    return state, {"code": "code-1", "state": query["state"]}


@pytest.mark.django_db
def test_code_flow_with_pkce(idp: FakeIdp) -> None:
    nurse = personas.nurse()
    provider = OidcStaffProvider(idp.base, "vardlots", "secret")
    state, params = _authorize(idp, provider, nurse.hsa_id)
    assert provider.complete(state, params) == nurse
    assert idp.token_requests[0]["grant_type"] == "authorization_code"


@pytest.mark.django_db
@pytest.mark.parametrize(("extra", "code"), [
    ({"aud": "someone-else"}, "bad_audience"),
    ({"iss": "https://evil.example"}, "bad_issuer"),
    ({"exp": int(time.time()) - 3600}, "expired_token"),
    ({"nonce": "other"}, "bad_nonce"),
    ({"employeeHsaId": ""}, "no_hsa_id"),
    ({"employeeHsaId": "SE999-UNKNOWN"}, "unknown_staff"),
])
def test_id_token_validation(idp: FakeIdp, extra: dict[str, Any], code: str) -> None:
    nurse = personas.nurse()
    provider = OidcStaffProvider(idp.base, "vardlots", "secret")
    hsa = extra.pop("employeeHsaId", nurse.hsa_id)
    state, params = _authorize(idp, provider, hsa, **extra)
    with pytest.raises(OidcError) as info:
        provider.complete(state, params)
    assert info.value.code == code


@pytest.mark.django_db
def test_state_and_signature_checked(idp: FakeIdp) -> None:
    nurse = personas.nurse()
    provider = OidcStaffProvider(idp.base, "vardlots", "secret")
    state, params = _authorize(idp, provider, nurse.hsa_id)
    with pytest.raises(OidcError) as info:
        provider.complete(state, {**params, "state": "forged"})
    assert info.value.code == "state_mismatch"
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = sign(idp.claims(state["nonce"], nurse.hsa_id), key=other_key)
    with pytest.raises(OidcError) as info:
        provider.validate_id_token(forged, nonce=state["nonce"])
    assert info.value.code == "bad_signature"
    payload = forged.split(".")[1]
    none_alg = b64(json.dumps({"alg": "none"}).encode()) + "." + payload + "."
    with pytest.raises(OidcError) as info:
        provider.validate_id_token(none_alg, nonce=state["nonce"])
    assert info.value.code == "unsupported_alg"


def test_not_configured() -> None:
    with pytest.raises(OidcError) as info:
        OidcStaffProvider("", "", "")
    assert info.value.code == "not_configured"


@pytest.mark.django_db
def test_views_log_staff_in(idp: FakeIdp, client: Client) -> None:
    doctor = personas.doctor()
    with override_settings(STAFF_AUTH="oidc", OIDC_ISSUER=idp.base, OIDC_CLIENT_ID="vardlots",
                           OIDC_CLIENT_SECRET="secret"):
        response = client.post("/konto/personal/siths/start", {"next": "/konto/personal/"})
        assert response.status_code == 302 and response["Location"].startswith(f"{idp.base}/authorize?")
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(response["Location"]).query))
        idp.codes["c"] = {"challenge": query["code_challenge"],
                          "id_token": sign(idp.claims(query["nonce"], doctor.hsa_id))}
        done = client.get("/konto/personal/siths/callback", {"code": "c", "state": query["state"]})
        assert done["Location"] == "/konto/personal/"
    assert client.session["_auth_user_id"] == str(doctor.pk)
    assert client.session[SESSION_KIND] == "staff"
    assert AccessLogEntry.objects.filter(kind=EntryKind.LOGIN, staff=doctor).get().detail == {"method": "oidc"}


@pytest.mark.django_db
def test_callback_without_start_refused(client: Client) -> None:
    with override_settings(STAFF_AUTH="oidc"):
        assert client.get("/konto/personal/siths/callback?code=x&state=y")["Location"] == "/konto/personal/logga-in"
    assert "_auth_user_id" not in client.session
