from enum import StrEnum


class Denoise(StrEnum):
    HIGH = "high"
    LOW = "low"
    MED = "med"
    NONE = "none"

    def __str__(self) -> str:
        return str(self.value)
