"""The wheel's build step (everything else is in pyproject.toml).

One C extension: the worker's PNG writer codes image data with it
(upscaler_worker/inference/_huffman.c, 3x zlib-ng's Huffman-only coding). It
is optional: where no C compiler is found the build goes on without it, and
the writer falls back to zlib-ng (same files, slower).

Two kinds of files live outside src/ but are read by the installed service:

- onnx_models/manifest.json, the official models (the file people edit; the
  folder is also where models are installed), copied to
  upscaler_worker/export/manifest.json;
- the npm packages' files the pages use (node_modules/, from `npm ci`, never
  committed), copied to upscaler/vendor/<name>/ and served at /vendor/<name>/
  (see upscaler.app.VENDORED).

An editable install copies nothing: the code reads both from the checkout.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
MANIFEST = ("onnx_models/manifest.json", "upscaler_worker/export/manifest.json")
#: URL name -> (folder inside node_modules, the files served from it)
VENDORED = {
    "swagger-ui": ("swagger-ui-dist", ("swagger-ui-bundle.js", "swagger-ui.css")),
    "htmx": ("htmx.org/dist", ("htmx.min.js",)),
    "htmx-ext-sse": ("htmx-ext-sse/dist", ("sse.min.js",)),
}


class BuildPyWithAssets(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        build_lib = Path(self.build_lib)
        source, target = MANIFEST
        self._copy(ROOT / source, build_lib / target)
        missing = []
        for name, (folder, names) in VENDORED.items():
            vendor = build_lib / "upscaler" / "vendor" / name
            shutil.rmtree(vendor, ignore_errors=True)
            for file_name in names:
                path = ROOT / "node_modules" / folder / file_name
                if path.is_file():
                    self._copy(path, vendor / file_name)
                else:
                    missing.append(str(path.relative_to(ROOT)))
        if missing:
            # A wheel without them still works: /docs loads Swagger UI from its
            # CDN, but the admin pages lack htmx. `npm ci` first.
            self.warn(f"not in the wheel (run `npm ci` first): {', '.join(missing)}")

    def _copy(self, source: Path, target: Path) -> None:
        if not source.is_file():
            raise FileNotFoundError(f"{source} is needed in the wheel")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


HUFFMAN = Extension(
    "upscaler_worker.inference._huffman",
    ["src/upscaler_worker/inference/_huffman.c"],
    # Python's own flags say -O2 on some builds; the coder's loop wants -O3.
    extra_compile_args=[]
    if sys.platform == "win32"
    else ["-O3", "-Werror=implicit-function-declaration"],
    # The stable ABI: one wheel for Python 3.11 and every later one (the GPU
    # image's Python is not the CPU image's).
    define_macros=[("Py_LIMITED_API", "0x030B0000")],
    py_limited_api=True,
    optional=True,
)

setup(
    cmdclass={"build_py": BuildPyWithAssets},
    ext_modules=[HUFFMAN],
    options={"bdist_wheel": {"py_limited_api": "cp311"}},
)
