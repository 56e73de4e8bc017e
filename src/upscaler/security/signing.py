"""Short-lived signed download links (itsdangerous).

A token names one stored object with the file name and type it is served
under; it cannot be altered (403) and expires (403) after its lifetime.
"""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

_SALT = "upscaler.download.v1"


class InvalidLinkError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class DownloadGrant:
    key: str
    filename: str
    content_type: str
    inline: bool = False


class DownloadSigner:
    def __init__(self, secret: str, max_age_seconds: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt=_SALT)
        self.max_age_seconds = max_age_seconds

    def sign(self, grant: DownloadGrant) -> str:
        payload = [grant.key, grant.filename, grant.content_type, int(grant.inline)]
        return self._serializer.dumps(payload)

    def verify(self, token: str) -> DownloadGrant:
        try:
            key, filename, content_type, inline = self._serializer.loads(
                token, max_age=self.max_age_seconds
            )
        except SignatureExpired as error:
            raise InvalidLinkError("this download link has expired") from error
        except (BadSignature, ValueError, TypeError) as error:
            raise InvalidLinkError("this download link is not valid") from error
        return DownloadGrant(str(key), str(filename), str(content_type), bool(inline))
