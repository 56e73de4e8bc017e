from enum import StrEnum


class UserUpdatePlanType0(StrEnum):
    FREE = "free"
    PRO = "pro"

    def __str__(self) -> str:
        return str(self.value)
