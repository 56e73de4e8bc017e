"""Which images a run covers and where each result goes: pure path arithmetic."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".bmp"})
#: The result's extension for `--format same`, by the source's extension.
SAME_EXTENSION = {
    ".jpg": ".jpg",
    ".jpeg": ".jpg",
    ".png": ".png",
    ".webp": ".webp",
    ".tif": ".tiff",
    ".tiff": ".tiff",
    # The service takes no BMP: the CLI sends it as lossless PNG (remote.py).
    ".bmp": ".png",
}
#: Results are written under this name first and renamed when whole, so an
#: interrupted run never leaves a result that looks finished.
PARTIAL_MARK = ".partial"


class InputError(Exception):
    """A path the user named that cannot be used (the message says why)."""


@dataclass(frozen=True)
class Image:
    source: Path
    #: Where the source sits below the folder it was found in (its name, for a file).
    relative: Path


@dataclass(frozen=True)
class Item:
    image: Image
    target: Path

    @property
    def key(self) -> str:
        """The item's name in the resume ledger: its result, relative to the output folder."""
        return self.image.relative.with_suffix(self.target.suffix).as_posix()

    @property
    def partial(self) -> Path:
        """Hidden (never picked up as an input), same extension (encoders read it)."""
        return self.target.with_name(f".{self.target.stem}{PARTIAL_MARK}{self.target.suffix}")


def find_images(paths: Sequence[Path]) -> list[Image]:
    """Files as named; folders searched recursively for images, hidden names skipped."""
    images: list[Image] = []
    for path in paths:
        if path.is_dir():
            for found in sorted(path.rglob("*")):
                relative = found.relative_to(path)
                if (
                    found.is_file()
                    and found.suffix.lower() in IMAGE_SUFFIXES
                    and not any(part.startswith(".") for part in relative.parts)
                ):
                    images.append(Image(found, relative))
        elif path.is_file():
            images.append(Image(path, Path(path.name)))
        else:
            raise InputError(f"{path}: no such file or folder")
    return images


def extension_for(source: Path, output_format: str) -> str:
    if output_format == "same":
        return SAME_EXTENSION.get(source.suffix.lower(), ".png")
    return f".{output_format}"


def plan(images: Sequence[Image], out: Path, output_format: str) -> list[Item]:
    """One result per image under `out`, keeping the folder structure."""
    items: list[Item] = []
    seen: dict[Path, Path] = {}
    for image in images:
        target = out / image.relative.with_suffix(extension_for(image.source, output_format))
        if target.resolve() == image.source.resolve():
            raise InputError(f"{image.source}: the result would overwrite it; choose another --out")
        if target in seen:
            raise InputError(f"{image.source} and {seen[target]} would both be written to {target}")
        seen[target] = image.source
        items.append(Item(image, target))
    return items
