from enum import StrEnum


class CreateBatchBodyPrintSize(StrEnum):
    A3 = "a3"
    A4 = "a4"
    A5 = "a5"
    A6 = "a6"
    LETTER = "letter"
    VALUE_5 = "10x15cm"
    VALUE_6 = "13x18cm"
    VALUE_7 = "20x30cm"

    def __str__(self) -> str:
        return str(self.value)
