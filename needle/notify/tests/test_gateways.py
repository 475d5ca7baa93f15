"""The providers' doors: console backends by default, a class named by a setting, a wrong name
stopping the start."""

from __future__ import annotations

import logging

import pytest
from django.core.exceptions import ImproperlyConfigured

from needle.notify.gateways import ConsoleSms, ConsoleWeChat, check_gateways, sms_gateway


def test_the_console_backend_logs_the_message_with_the_number_masked(caplog):
    with caplog.at_level(logging.INFO, logger="needle.notify"):
        ConsoleSms().send_sms(to="13812341234", text="您的诉求已受理。", verb="case.accepted", params={})
        ConsoleWeChat().send_template(openid="oABCDEFGH", text="hello", verb="v", params={}, url="http://x/")
    assert "SMS to 138****1234 [case.accepted]: 您的诉求已受理。" in caplog.text
    assert "13812341234" not in caplog.text
    assert "WeChat to oABCDE… [v]: hello http://x/" in caplog.text


def test_a_provider_is_named_by_a_setting(settings):
    settings.NEEDLE_SMS_BACKEND = "needle.notify.gateways.ConsoleSms"
    assert isinstance(sms_gateway(), ConsoleSms)


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("needle.notify.gateways.NoSuchSms", "cannot import"),
        ("no_such_package.Sms", "cannot import"),
        ("needle.notify.gateways.ConsoleWeChat", "has no method send_sms()"),
        ("needle.notify.messages.Message", "cannot be made without arguments"),
    ],
)
def test_a_wrong_provider_stops_the_start(settings, path, problem):
    settings.NEEDLE_SMS_BACKEND = path
    with pytest.raises(ImproperlyConfigured, match="NEEDLE_SMS_BACKEND") as refused:
        check_gateways()
    assert problem in str(refused.value)
