from enum import StrEnum


class TokenOutTokenType(StrEnum):
    BEARER = "bearer"
    COOKIE = "cookie"

    def __str__(self) -> str:
        return str(self.value)
