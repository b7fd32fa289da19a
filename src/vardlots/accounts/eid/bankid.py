"""HTTP client of BankID's relying-party JSON API v6 (auth, collect, cancel) with mutual TLS.

Configuration: ``BANKID_API_URL`` (e.g. https://appapi2.bankid.com/rp/v6.0), ``BANKID_CERT_FILE``
and ``BANKID_KEY_FILE`` (the relying-party certificate and key, PEM), ``BANKID_CA_FILE`` (BankID's
issuing CA, PEM). Uses only the standard library.
"""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings

from vardlots.accounts.eid.base import CollectResult, CollectStatus, CompletedUser, EidError, StartResult


class BankIdProvider:
    name = "bankid"
    is_test = False

    def __init__(self, api_url: str, *, cert_file: str = "", key_file: str = "", ca_file: str = "",
                 timeout: float = 10.0, ssl_context: ssl.SSLContext | None = None) -> None:
        self.api_url = api_url.rstrip("/")
        self.timeout = timeout
        self.ssl_context = ssl_context
        if self.ssl_context is None and self.api_url.startswith("https:"):
            context = ssl.create_default_context(cafile=ca_file or None)
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            if cert_file:
                context.load_cert_chain(cert_file, key_file or None)
            self.ssl_context = context

    @classmethod
    def from_settings(cls) -> BankIdProvider:
        return cls(settings.BANKID_API_URL, cert_file=settings.BANKID_CERT_FILE,
                   key_file=settings.BANKID_KEY_FILE, ca_file=settings.BANKID_CA_FILE,
                   timeout=float(getattr(settings, "BANKID_TIMEOUT", 10.0)))

    def _post(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(  # noqa: S310 - the URL comes from settings
            f"{self.api_url}/{method}", data=json.dumps(body).encode("utf-8"), method="POST",
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout, context=self.ssl_context) as response:  # noqa: S310
                payload = response.read()
        except urllib.error.HTTPError as error:
            raise self._http_error(error) from error
        except TimeoutError as error:
            raise EidError("timeout", f"BankID did not answer {method} in time") from error
        except urllib.error.URLError as error:
            if isinstance(error.reason, TimeoutError):
                raise EidError("timeout", f"BankID did not answer {method} in time") from error
            raise EidError("unavailable", str(error.reason)) from error
        try:
            data = json.loads(payload or b"{}")
        except ValueError as error:
            raise EidError("invalidResponse", "not JSON") from error
        if not isinstance(data, dict):
            raise EidError("invalidResponse", "not a JSON object")
        return data

    @staticmethod
    def _http_error(error: urllib.error.HTTPError) -> EidError:
        try:
            data = json.loads(error.read() or b"{}")
        except ValueError:
            data = {}
        code = str(data.get("errorCode") or f"http{error.code}")
        return EidError(code, str(data.get("details", "")))

    def start(self, end_user_ip: str) -> StartResult:
        data = self._post("auth", {"endUserIp": end_user_ip or "127.0.0.1"})
        try:
            return StartResult(str(data["orderRef"]), str(data["autoStartToken"]),
                               str(data["qrStartToken"]), str(data["qrStartSecret"]))
        except KeyError as error:
            raise EidError("invalidResponse", f"missing {error}") from error

    def collect(self, order_ref: str) -> CollectResult:
        data = self._post("collect", {"orderRef": order_ref})
        try:
            status = CollectStatus(data["status"])
        except (KeyError, ValueError) as error:
            raise EidError("invalidResponse", "unknown status") from error
        if status == CollectStatus.COMPLETE:
            user = (data.get("completionData") or {}).get("user") or {}
            if not user.get("personalNumber"):
                raise EidError("invalidResponse", "complete without a personal number")
            completed = CompletedUser(str(user["personalNumber"]), str(user.get("name", "")),
                                      str(user.get("givenName", "")), str(user.get("surname", "")))
            return CollectResult(str(data.get("orderRef", order_ref)), status, "", completed, raw=data)
        return CollectResult(str(data.get("orderRef", order_ref)), status, str(data.get("hintCode", "")),
                             raw=data)

    def cancel(self, order_ref: str) -> None:
        self._post("cancel", {"orderRef": order_ref})
