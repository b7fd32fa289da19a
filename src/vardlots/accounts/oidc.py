"""SITHS-style staff log-in through an OpenID Connect provider (for example Inera's IdP).

Authorization code flow with PKCE (S256), a state and a nonce; the ID token is validated
(signature RS256 against the provider's JWKS or HS256 with the client secret; ``iss``, ``aud``,
``azp``, ``exp``, ``iat`` and ``nonce``), and the HSA-id claim picks the StaffUser. Settings:
``OIDC_ISSUER``, ``OIDC_CLIENT_ID``, ``OIDC_CLIENT_SECRET``, optional ``OIDC_SCOPES`` and
``OIDC_HSA_CLAIM``. Standard library plus ``cryptography`` for RSA.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

from django.conf import settings

from vardlots.accounts.models import StaffUser

LEEWAY = 60  # seconds of clock skew accepted


class OidcError(Exception):
    def __init__(self, code: str, detail: str = "", account: str = "") -> None:
        self.code = code
        self.account = account
        super().__init__(f"{code}: {detail}" if detail else code)


def _b64url_decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def pkce_challenge(verifier: str) -> str:
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


class OidcStaffProvider:
    def __init__(self, issuer: str, client_id: str, client_secret: str, *, scopes: str = "openid profile",
                 hsa_claim: str = "employeeHsaId", timeout: float = 10.0) -> None:
        if not issuer or not client_id:
            raise OidcError("not_configured", "OIDC_ISSUER and OIDC_CLIENT_ID are required")
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.scopes = scopes
        self.hsa_claim = hsa_claim
        self.timeout = timeout
        self._discovery: dict[str, Any] | None = None
        self._jwks: dict[str, Any] | None = None

    @classmethod
    def from_settings(cls) -> OidcStaffProvider:
        return cls(settings.OIDC_ISSUER, settings.OIDC_CLIENT_ID, settings.OIDC_CLIENT_SECRET,
                   scopes=getattr(settings, "OIDC_SCOPES", "openid profile"),
                   hsa_claim=getattr(settings, "OIDC_HSA_CLAIM", "employeeHsaId"))

    # --- HTTP -----------------------------------------------------------------------------
    def _fetch_json(self, url: str, data: dict[str, str] | None = None,
                    headers: dict[str, str] | None = None) -> dict[str, Any]:
        if not url.startswith(("https://", "http://")):
            raise OidcError("bad_url", url)
        body = urllib.parse.urlencode(data).encode("ascii") if data is not None else None
        all_headers = {"Accept": "application/json", **(headers or {})}
        request = urllib.request.Request(url, data=body, headers=all_headers)  # noqa: S310 - checked above
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                payload = json.loads(response.read())
        except urllib.error.HTTPError as error:
            raise OidcError("http_error", f"{url}: {error.code}") from error
        except (urllib.error.URLError, TimeoutError, ValueError) as error:
            raise OidcError("unavailable", f"{url}: {error}") from error
        if not isinstance(payload, dict):
            raise OidcError("invalid_response", url)
        return payload

    def discovery(self) -> dict[str, Any]:
        if self._discovery is None:
            doc = self._fetch_json(f"{self.issuer}/.well-known/openid-configuration")
            if doc.get("issuer", "").rstrip("/") != self.issuer:
                raise OidcError("issuer_mismatch", str(doc.get("issuer")))
            for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                if not doc.get(key):
                    raise OidcError("invalid_discovery", f"missing {key}")
            self._discovery = doc
        return self._discovery

    # --- flow -----------------------------------------------------------------------------
    def authorization_request(self, redirect_uri: str, next_url: str = "") -> tuple[str, dict[str, str]]:
        """The URL to send the browser to, and the state to keep in the session."""
        doc = self.discovery()
        state = {
            "state": secrets.token_urlsafe(24), "nonce": secrets.token_urlsafe(24),
            "code_verifier": secrets.token_urlsafe(48), "redirect_uri": redirect_uri, "next": next_url,
            "started": str(int(time.time())),
        }
        query = urllib.parse.urlencode({
            "response_type": "code", "client_id": self.client_id, "redirect_uri": redirect_uri,
            "scope": self.scopes, "state": state["state"], "nonce": state["nonce"],
            "code_challenge": pkce_challenge(state["code_verifier"]), "code_challenge_method": "S256",
        })
        endpoint = doc["authorization_endpoint"]
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}", state

    def complete(self, state: Mapping[str, str], params: Mapping[str, str]) -> StaffUser:
        """Handle the callback: exchange the code, validate the ID token, find the member of staff."""
        if params.get("error"):
            raise OidcError("provider_error", str(params.get("error")))
        if not hmac.compare_digest(str(params.get("state", "")), state.get("state", "")):
            raise OidcError("state_mismatch")
        if time.time() - int(state.get("started", "0")) > 600:
            raise OidcError("expired")
        code = params.get("code")
        if not code:
            raise OidcError("no_code")
        doc = self.discovery()
        credentials = base64.b64encode(
            f"{urllib.parse.quote(self.client_id)}:{urllib.parse.quote(self.client_secret)}".encode()).decode()
        tokens = self._fetch_json(doc["token_endpoint"], data={
            "grant_type": "authorization_code", "code": str(code), "redirect_uri": state["redirect_uri"],
            "code_verifier": state["code_verifier"], "client_id": self.client_id,
        }, headers={"Authorization": f"Basic {credentials}"})
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str):
            raise OidcError("no_id_token")
        claims = self.validate_id_token(id_token, nonce=state["nonce"])
        hsa_id = str(claims.get(self.hsa_claim) or "").strip().upper()
        if not hsa_id:
            raise OidcError("no_hsa_id")
        staff = StaffUser.objects.filter(hsa_id=hsa_id, is_active=True).first()
        if staff is None:
            raise OidcError("unknown_staff", hsa_id, account=hsa_id)
        return staff

    def validate_id_token(self, token: str, *, nonce: str, now: float | None = None) -> dict[str, Any]:
        try:
            header_b64, payload_b64, signature_b64 = token.split(".")
            header = json.loads(_b64url_decode(header_b64))
            claims = json.loads(_b64url_decode(payload_b64))
            signature = _b64url_decode(signature_b64)
        except ValueError as error:
            raise OidcError("malformed_token") from error
        if not isinstance(header, dict) or not isinstance(claims, dict):
            raise OidcError("malformed_token")
        signed = f"{header_b64}.{payload_b64}".encode("ascii")
        alg = header.get("alg")
        if alg == "RS256":
            self._verify_rs256(signed, signature, header.get("kid"))
        elif alg == "HS256" and self.client_secret:
            expected = hmac.new(self.client_secret.encode(), signed, hashlib.sha256).digest()
            if not hmac.compare_digest(expected, signature):
                raise OidcError("bad_signature")
        else:
            raise OidcError("unsupported_alg", str(alg))
        moment = time.time() if now is None else now
        if str(claims.get("iss", "")).rstrip("/") != self.issuer:
            raise OidcError("bad_issuer")
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.client_id not in audiences:
            raise OidcError("bad_audience")
        if len(audiences) > 1 and claims.get("azp") != self.client_id:
            raise OidcError("bad_azp")
        exp, iat = claims.get("exp"), claims.get("iat")
        if not isinstance(exp, int | float) or exp + LEEWAY < moment:
            raise OidcError("expired_token")
        if isinstance(iat, int | float) and iat - LEEWAY > moment:
            raise OidcError("token_from_future")
        if not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
            raise OidcError("bad_nonce")
        return claims

    def _verify_rs256(self, signed: bytes, signature: bytes, kid: Any) -> None:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding, rsa

        for attempt in range(2):  # refetch the key set once: the provider may have rotated keys
            if self._jwks is None or attempt == 1:
                self._jwks = self._fetch_json(self.discovery()["jwks_uri"])
            keys = [k for k in self._jwks.get("keys", []) if isinstance(k, dict) and k.get("kty") == "RSA"
                    and (kid is None or k.get("kid") == kid)]
            if keys:
                break
        else:
            raise OidcError("unknown_key", str(kid))
        for key in keys:
            numbers = rsa.RSAPublicNumbers(int.from_bytes(_b64url_decode(key["e"]), "big"),
                                           int.from_bytes(_b64url_decode(key["n"]), "big"))
            try:
                numbers.public_key().verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
                return
            except InvalidSignature:
                continue
        raise OidcError("bad_signature")
