from pathlib import Path

import pytest

from upscaler.config import DEFAULT_SEED_PASS, Settings, UnsafeSettingsError


def test_defaults_need_no_services(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, _env_file=None)
    assert settings.database_url == f"sqlite:///{tmp_path.as_posix()}/upscaler.db"
    assert settings.local_storage_dir == tmp_path / "storage"
    assert settings.embedded_worker is True
    assert settings.redis_url is None


def test_reads_prefixed_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("UPSCALER_MAX_UPLOAD_SIZE_BYTES", "1234")
    monkeypatch.setenv("UPSCALER_REDIS_URL", "redis://example:6379/1")
    settings = Settings(data_dir=tmp_path, _env_file=None)
    assert settings.max_upload_size_bytes == 1234
    assert settings.redis_url == "redis://example:6379/1"
    assert settings.embedded_worker is False


def test_empty_variables_mean_unset(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("UPSCALER_REDIS_URL", "")
    monkeypatch.setenv("UPSCALER_MODEL_MIRROR", " ")
    settings = Settings(data_dir=tmp_path, _env_file=None)
    assert settings.redis_url is None
    assert settings.model_mirror is None


@pytest.mark.parametrize(
    ("secret", "seed_pass", "complaint"),
    [
        (None, "a-strong-unique-password", "UPSCALER_SECRET_KEY"),
        ("short", "a-strong-unique-password", "UPSCALER_SECRET_KEY"),
        ("k" * 40, DEFAULT_SEED_PASS, "UPSCALER_ADMIN_SEED_PASS"),
    ],
)
def test_production_refuses_unsafe_defaults(
    tmp_path: Path, secret: str | None, seed_pass: str, complaint: str
) -> None:
    with pytest.raises(UnsafeSettingsError, match=complaint):
        Settings(env="production", data_dir=tmp_path, secret_key=secret, admin_seed_pass=seed_pass)


def test_production_starts_with_real_secrets(tmp_path: Path) -> None:
    settings = Settings(
        env="production", data_dir=tmp_path, secret_key="k" * 40, admin_seed_pass="not-the-default"
    )
    assert settings.secret() == "k" * 40


def test_development_secret_is_random_and_kept(tmp_path: Path) -> None:
    first = Settings(data_dir=tmp_path).secret()
    again = Settings(data_dir=tmp_path).secret()
    other = Settings(data_dir=tmp_path / "elsewhere").secret()
    assert first == again
    assert first != other
    assert len(first) >= 48
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_s3_needs_a_bucket(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="UPSCALER_S3_BUCKET"):
        Settings(data_dir=tmp_path, storage_backend="s3")


def test_logs_are_json_in_production_and_text_elsewhere(tmp_path: Path) -> None:
    production = Settings(
        env="production", data_dir=tmp_path, secret_key="s" * 40, admin_seed_pass="not-the-seed-1"
    )
    assert production.log_format == "json"
    assert Settings(data_dir=tmp_path, _env_file=None).log_format == "text"
    assert Settings(data_dir=tmp_path, log_format="json", _env_file=None).log_format == "json"
    assert Settings(data_dir=tmp_path, metrics_token="", _env_file=None).metrics_token is None
