from enum import StrEnum


class MeOutVia(StrEnum):
    BEARER = "bearer"
    COOKIE = "cookie"

    def __str__(self) -> str:
        return str(self.value)
