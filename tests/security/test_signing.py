import time

import pytest

from upscaler.security.signing import DownloadGrant, DownloadSigner, InvalidLinkError

GRANT = DownloadGrant("results/abc.png", "photo-upscaled-4x.png", "image/png")


def test_round_trip() -> None:
    signer = DownloadSigner("s" * 40, max_age_seconds=60)
    assert signer.verify(signer.sign(GRANT)) == GRANT


def test_tampered_token_is_refused() -> None:
    signer = DownloadSigner("s" * 40, max_age_seconds=60)
    token = signer.sign(GRANT)
    head, signature = token.rsplit(".", 1)
    flipped = head + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    with pytest.raises(InvalidLinkError, match="not valid"):
        signer.verify(flipped)


def test_other_secret_is_refused() -> None:
    token = DownloadSigner("s" * 40, 60).sign(GRANT)
    with pytest.raises(InvalidLinkError):
        DownloadSigner("t" * 40, 60).verify(token)


def test_expired_token_is_refused() -> None:
    signer = DownloadSigner("s" * 40, max_age_seconds=1)
    token = signer.sign(GRANT)
    time.sleep(2.1)
    with pytest.raises(InvalidLinkError, match="expired"):
        signer.verify(token)
