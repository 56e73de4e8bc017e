from enum import StrEnum


class Factor(StrEnum):
    VALUE_0 = "2x"
    VALUE_1 = "4x"

    def __str__(self) -> str:
        return str(self.value)
