from enum import StrEnum


class Preset(StrEnum):
    ART = "art"
    FACE = "face"
    PHOTO = "photo"
    STANDARD = "standard"

    def __str__(self) -> str:
        return str(self.value)
