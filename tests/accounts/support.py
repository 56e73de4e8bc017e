"""Helpers of the account tests: links out of the e-mails the service sent."""

from __future__ import annotations

import re
from email.message import EmailMessage

LINK = re.compile(r"(https?://\S+/(verify-email|reset-password)\?token=[\w.\-]+)")


def link_in(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    found = LINK.search(body.get_content())
    assert found, body.get_content()
    return found.group(1)


def token_of(link: str) -> str:
    return link.split("token=", 1)[1]
