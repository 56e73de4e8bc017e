"""Where the package's own files are: templates, static assets, migrations and
the vendored browser packages.

Everything the service reads at run time is package data, found from the
package's own directory, so a wheel installed anywhere works the same as the
checkout. The one exception is an editable install (`make install`): there the
npm packages are read straight from the checkout's `node_modules/`, since only
a wheel build copies them into the package (see setup.py).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def package_path(relative: str, package: str = "upscaler") -> Path:
    """A file or folder inside an installed package, as a real path (Jinja,
    StaticFiles and Alembic all need one; zipped installs are not supported)."""
    resource = files(package).joinpath(relative)
    if not isinstance(resource, Path):
        raise RuntimeError(f"{package} is not installed as plain files ({resource!r})")
    return resource


PACKAGE_DIR = package_path("")
TEMPLATES_DIR = package_path("templates")
#: The pages' own CSS, JavaScript and images, served at /static/.
STATIC_DIR = package_path("static")
#: Alembic's script folder: env.py, script.py.mako and versions/.
MIGRATIONS_DIR = package_path("migrations")
#: The npm packages' files a wheel carries (copied there by setup.py).
VENDOR_DIR = package_path("vendor")


def checkout_root() -> Path | None:
    """The source checkout, when the package runs from one (src/upscaler in an
    editable install); None for an installed wheel."""
    root = PACKAGE_DIR.parent.parent
    if PACKAGE_DIR.parent.name == "src" and (root / "pyproject.toml").is_file():
        return root
    return None
