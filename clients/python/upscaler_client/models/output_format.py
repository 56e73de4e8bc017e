from enum import StrEnum


class OutputFormat(StrEnum):
    JPG = "jpg"
    PNG = "png"
    SAME = "same"
    WEBP = "webp"

    def __str__(self) -> str:
        return str(self.value)
