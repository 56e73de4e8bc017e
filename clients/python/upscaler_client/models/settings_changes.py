from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.settings_changes_registration_type_0 import SettingsChangesRegistrationType0
from ..types import UNSET, Unset

T = TypeVar("T", bound="SettingsChanges")


@_attrs_define
class SettingsChanges:
    """Any subset of the run-time settings; validated as a whole, stored in
    the settings table, in effect on every replica and worker within seconds.

        Attributes:
            account_rate_limit_per_minute (int | None | Unset):
            allowed_mimes (list[str] | None | Unset):
            free_daily_jobs (int | None | Unset):
            free_monthly_megapixels (float | None | Unset):
            instant_repeats (bool | None | Unset):
            job_max_retries (int | None | Unset):
            job_timeout_seconds (int | None | Unset):
            maintenance_message (None | str | Unset):
            maintenance_mode (bool | None | Unset):
            max_input_pixels (int | None | Unset):
            max_queued_jobs (int | None | Unset):
            max_upload_size_bytes (int | None | Unset):
            pro_daily_jobs (int | None | Unset):
            pro_monthly_megapixels (float | None | Unset):
            queue_paused (bool | None | Unset):
            rate_limit_per_minute (int | None | Unset):
            registration (None | SettingsChangesRegistrationType0 | Unset):
            retention_days (int | None | Unset):
            watermark_free_tier (bool | None | Unset):
    """

    account_rate_limit_per_minute: int | None | Unset = UNSET
    allowed_mimes: list[str] | None | Unset = UNSET
    free_daily_jobs: int | None | Unset = UNSET
    free_monthly_megapixels: float | None | Unset = UNSET
    instant_repeats: bool | None | Unset = UNSET
    job_max_retries: int | None | Unset = UNSET
    job_timeout_seconds: int | None | Unset = UNSET
    maintenance_message: None | str | Unset = UNSET
    maintenance_mode: bool | None | Unset = UNSET
    max_input_pixels: int | None | Unset = UNSET
    max_queued_jobs: int | None | Unset = UNSET
    max_upload_size_bytes: int | None | Unset = UNSET
    pro_daily_jobs: int | None | Unset = UNSET
    pro_monthly_megapixels: float | None | Unset = UNSET
    queue_paused: bool | None | Unset = UNSET
    rate_limit_per_minute: int | None | Unset = UNSET
    registration: None | SettingsChangesRegistrationType0 | Unset = UNSET
    retention_days: int | None | Unset = UNSET
    watermark_free_tier: bool | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        account_rate_limit_per_minute: int | None | Unset
        if isinstance(self.account_rate_limit_per_minute, Unset):
            account_rate_limit_per_minute = UNSET
        else:
            account_rate_limit_per_minute = self.account_rate_limit_per_minute

        allowed_mimes: list[str] | None | Unset
        if isinstance(self.allowed_mimes, Unset):
            allowed_mimes = UNSET
        elif isinstance(self.allowed_mimes, list):
            allowed_mimes = self.allowed_mimes

        else:
            allowed_mimes = self.allowed_mimes

        free_daily_jobs: int | None | Unset
        if isinstance(self.free_daily_jobs, Unset):
            free_daily_jobs = UNSET
        else:
            free_daily_jobs = self.free_daily_jobs

        free_monthly_megapixels: float | None | Unset
        if isinstance(self.free_monthly_megapixels, Unset):
            free_monthly_megapixels = UNSET
        else:
            free_monthly_megapixels = self.free_monthly_megapixels

        instant_repeats: bool | None | Unset
        if isinstance(self.instant_repeats, Unset):
            instant_repeats = UNSET
        else:
            instant_repeats = self.instant_repeats

        job_max_retries: int | None | Unset
        if isinstance(self.job_max_retries, Unset):
            job_max_retries = UNSET
        else:
            job_max_retries = self.job_max_retries

        job_timeout_seconds: int | None | Unset
        if isinstance(self.job_timeout_seconds, Unset):
            job_timeout_seconds = UNSET
        else:
            job_timeout_seconds = self.job_timeout_seconds

        maintenance_message: None | str | Unset
        if isinstance(self.maintenance_message, Unset):
            maintenance_message = UNSET
        else:
            maintenance_message = self.maintenance_message

        maintenance_mode: bool | None | Unset
        if isinstance(self.maintenance_mode, Unset):
            maintenance_mode = UNSET
        else:
            maintenance_mode = self.maintenance_mode

        max_input_pixels: int | None | Unset
        if isinstance(self.max_input_pixels, Unset):
            max_input_pixels = UNSET
        else:
            max_input_pixels = self.max_input_pixels

        max_queued_jobs: int | None | Unset
        if isinstance(self.max_queued_jobs, Unset):
            max_queued_jobs = UNSET
        else:
            max_queued_jobs = self.max_queued_jobs

        max_upload_size_bytes: int | None | Unset
        if isinstance(self.max_upload_size_bytes, Unset):
            max_upload_size_bytes = UNSET
        else:
            max_upload_size_bytes = self.max_upload_size_bytes

        pro_daily_jobs: int | None | Unset
        if isinstance(self.pro_daily_jobs, Unset):
            pro_daily_jobs = UNSET
        else:
            pro_daily_jobs = self.pro_daily_jobs

        pro_monthly_megapixels: float | None | Unset
        if isinstance(self.pro_monthly_megapixels, Unset):
            pro_monthly_megapixels = UNSET
        else:
            pro_monthly_megapixels = self.pro_monthly_megapixels

        queue_paused: bool | None | Unset
        if isinstance(self.queue_paused, Unset):
            queue_paused = UNSET
        else:
            queue_paused = self.queue_paused

        rate_limit_per_minute: int | None | Unset
        if isinstance(self.rate_limit_per_minute, Unset):
            rate_limit_per_minute = UNSET
        else:
            rate_limit_per_minute = self.rate_limit_per_minute

        registration: None | str | Unset
        if isinstance(self.registration, Unset):
            registration = UNSET
        elif isinstance(self.registration, SettingsChangesRegistrationType0):
            registration = self.registration.value
        else:
            registration = self.registration

        retention_days: int | None | Unset
        if isinstance(self.retention_days, Unset):
            retention_days = UNSET
        else:
            retention_days = self.retention_days

        watermark_free_tier: bool | None | Unset
        if isinstance(self.watermark_free_tier, Unset):
            watermark_free_tier = UNSET
        else:
            watermark_free_tier = self.watermark_free_tier

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if account_rate_limit_per_minute is not UNSET:
            field_dict["account_rate_limit_per_minute"] = account_rate_limit_per_minute
        if allowed_mimes is not UNSET:
            field_dict["allowed_mimes"] = allowed_mimes
        if free_daily_jobs is not UNSET:
            field_dict["free_daily_jobs"] = free_daily_jobs
        if free_monthly_megapixels is not UNSET:
            field_dict["free_monthly_megapixels"] = free_monthly_megapixels
        if instant_repeats is not UNSET:
            field_dict["instant_repeats"] = instant_repeats
        if job_max_retries is not UNSET:
            field_dict["job_max_retries"] = job_max_retries
        if job_timeout_seconds is not UNSET:
            field_dict["job_timeout_seconds"] = job_timeout_seconds
        if maintenance_message is not UNSET:
            field_dict["maintenance_message"] = maintenance_message
        if maintenance_mode is not UNSET:
            field_dict["maintenance_mode"] = maintenance_mode
        if max_input_pixels is not UNSET:
            field_dict["max_input_pixels"] = max_input_pixels
        if max_queued_jobs is not UNSET:
            field_dict["max_queued_jobs"] = max_queued_jobs
        if max_upload_size_bytes is not UNSET:
            field_dict["max_upload_size_bytes"] = max_upload_size_bytes
        if pro_daily_jobs is not UNSET:
            field_dict["pro_daily_jobs"] = pro_daily_jobs
        if pro_monthly_megapixels is not UNSET:
            field_dict["pro_monthly_megapixels"] = pro_monthly_megapixels
        if queue_paused is not UNSET:
            field_dict["queue_paused"] = queue_paused
        if rate_limit_per_minute is not UNSET:
            field_dict["rate_limit_per_minute"] = rate_limit_per_minute
        if registration is not UNSET:
            field_dict["registration"] = registration
        if retention_days is not UNSET:
            field_dict["retention_days"] = retention_days
        if watermark_free_tier is not UNSET:
            field_dict["watermark_free_tier"] = watermark_free_tier

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_account_rate_limit_per_minute(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        account_rate_limit_per_minute = _parse_account_rate_limit_per_minute(
            d.pop("account_rate_limit_per_minute", UNSET)
        )

        def _parse_allowed_mimes(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                allowed_mimes_type_0 = cast(list[str], data)

                return allowed_mimes_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        allowed_mimes = _parse_allowed_mimes(d.pop("allowed_mimes", UNSET))

        def _parse_free_daily_jobs(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        free_daily_jobs = _parse_free_daily_jobs(d.pop("free_daily_jobs", UNSET))

        def _parse_free_monthly_megapixels(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        free_monthly_megapixels = _parse_free_monthly_megapixels(d.pop("free_monthly_megapixels", UNSET))

        def _parse_instant_repeats(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        instant_repeats = _parse_instant_repeats(d.pop("instant_repeats", UNSET))

        def _parse_job_max_retries(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        job_max_retries = _parse_job_max_retries(d.pop("job_max_retries", UNSET))

        def _parse_job_timeout_seconds(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        job_timeout_seconds = _parse_job_timeout_seconds(d.pop("job_timeout_seconds", UNSET))

        def _parse_maintenance_message(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        maintenance_message = _parse_maintenance_message(d.pop("maintenance_message", UNSET))

        def _parse_maintenance_mode(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        maintenance_mode = _parse_maintenance_mode(d.pop("maintenance_mode", UNSET))

        def _parse_max_input_pixels(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_input_pixels = _parse_max_input_pixels(d.pop("max_input_pixels", UNSET))

        def _parse_max_queued_jobs(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_queued_jobs = _parse_max_queued_jobs(d.pop("max_queued_jobs", UNSET))

        def _parse_max_upload_size_bytes(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_upload_size_bytes = _parse_max_upload_size_bytes(d.pop("max_upload_size_bytes", UNSET))

        def _parse_pro_daily_jobs(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        pro_daily_jobs = _parse_pro_daily_jobs(d.pop("pro_daily_jobs", UNSET))

        def _parse_pro_monthly_megapixels(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        pro_monthly_megapixels = _parse_pro_monthly_megapixels(d.pop("pro_monthly_megapixels", UNSET))

        def _parse_queue_paused(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        queue_paused = _parse_queue_paused(d.pop("queue_paused", UNSET))

        def _parse_rate_limit_per_minute(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        rate_limit_per_minute = _parse_rate_limit_per_minute(d.pop("rate_limit_per_minute", UNSET))

        def _parse_registration(data: object) -> None | SettingsChangesRegistrationType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                registration_type_0 = SettingsChangesRegistrationType0(data)

                return registration_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SettingsChangesRegistrationType0 | Unset, data)

        registration = _parse_registration(d.pop("registration", UNSET))

        def _parse_retention_days(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        retention_days = _parse_retention_days(d.pop("retention_days", UNSET))

        def _parse_watermark_free_tier(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        watermark_free_tier = _parse_watermark_free_tier(d.pop("watermark_free_tier", UNSET))

        settings_changes = cls(
            account_rate_limit_per_minute=account_rate_limit_per_minute,
            allowed_mimes=allowed_mimes,
            free_daily_jobs=free_daily_jobs,
            free_monthly_megapixels=free_monthly_megapixels,
            instant_repeats=instant_repeats,
            job_max_retries=job_max_retries,
            job_timeout_seconds=job_timeout_seconds,
            maintenance_message=maintenance_message,
            maintenance_mode=maintenance_mode,
            max_input_pixels=max_input_pixels,
            max_queued_jobs=max_queued_jobs,
            max_upload_size_bytes=max_upload_size_bytes,
            pro_daily_jobs=pro_daily_jobs,
            pro_monthly_megapixels=pro_monthly_megapixels,
            queue_paused=queue_paused,
            rate_limit_per_minute=rate_limit_per_minute,
            registration=registration,
            retention_days=retention_days,
            watermark_free_tier=watermark_free_tier,
        )

        settings_changes.additional_properties = d
        return settings_changes

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
