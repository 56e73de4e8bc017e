from enum import StrEnum


class SettingsChangesRegistrationType0(StrEnum):
    INVITE = "invite"
    OFF = "off"
    OPEN = "open"

    def __str__(self) -> str:
        return str(self.value)
