"""The doors out of Needle for text messages and WeChat template messages.

Each channel is a small protocol. A deployment plugs in its provider by naming a class in a
setting (NEEDLE_SMS_BACKEND, NEEDLE_WECHAT_BACKEND = "package.module.Class"); the class is
made with no arguments (it reads its own credentials from the environment) and raises any
exception when the provider refuses, so that the delivery is tried again later. Email goes
through Django's own EMAIL_BACKEND.

Every call carries the message's code (`verb`, e.g. "case.resolved") and its parameters beside
the text in the recipient's language: providers that only send pre-approved templates (as
Chinese SMS providers and WeChat do) map the code to their template and fill in the parameters;
others send the text. The console backends, the default, write the message to the log.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from typing import Any, ClassVar, Protocol, cast

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from needle.orgs.models import mask_phone

log = logging.getLogger("needle.notify")


class SmsGateway(Protocol):
    def send_sms(self, *, to: str, text: str, verb: str, params: Mapping[str, Any]) -> None:
        """Send `text` to the mobile number `to`."""


class WeChatGateway(Protocol):
    def send_template(
        self, *, openid: str, text: str, verb: str, params: Mapping[str, Any], url: str
    ) -> None:
        """Send a template message to the follower `openid`, opening `url` when tapped."""


class ConsoleSms:
    """Writes each text message to the log (numbers masked) instead of sending it."""

    def send_sms(self, *, to: str, text: str, verb: str, params: Mapping[str, Any]) -> None:
        log.info("SMS to %s [%s]: %s", mask_phone(to), verb, text)


class ConsoleWeChat:
    def send_template(
        self, *, openid: str, text: str, verb: str, params: Mapping[str, Any], url: str
    ) -> None:
        log.info("WeChat to %s… [%s]: %s %s", openid[:6], verb, text, url)


class MemorySms:
    """Keeps what it sends in `outbox` (the tests' backend, like Django's locmem email)."""

    outbox: ClassVar[list[dict[str, Any]]] = []

    def send_sms(self, *, to: str, text: str, verb: str, params: Mapping[str, Any]) -> None:
        self.outbox.append({"to": to, "text": text, "verb": verb, "params": dict(params)})


class MemoryWeChat:
    outbox: ClassVar[list[dict[str, Any]]] = []

    def send_template(
        self, *, openid: str, text: str, verb: str, params: Mapping[str, Any], url: str
    ) -> None:
        self.outbox.append({"openid": openid, "text": text, "verb": verb, "params": dict(params), "url": url})


@functools.cache
def _load(path: str, method: str, setting: str) -> Any:
    try:
        backend = import_string(path)()
    except ImportError as exc:
        raise ImproperlyConfigured(f"{setting}: cannot import {path!r} ({exc})") from None
    except TypeError as exc:
        raise ImproperlyConfigured(f"{setting}: {path!r} cannot be made without arguments ({exc})") from None
    if not callable(getattr(backend, method, None)):
        raise ImproperlyConfigured(f"{setting}: {path!r} has no method {method}()")
    return backend


def sms_gateway() -> SmsGateway:
    return cast(SmsGateway, _load(settings.NEEDLE_SMS_BACKEND, "send_sms", "NEEDLE_SMS_BACKEND"))


def wechat_gateway() -> WeChatGateway:
    return cast(
        WeChatGateway, _load(settings.NEEDLE_WECHAT_BACKEND, "send_template", "NEEDLE_WECHAT_BACKEND")
    )


def check_gateways() -> None:
    """Load both backends now, so that a wrong setting stops the start, not the first message."""
    sms_gateway()
    wechat_gateway()
