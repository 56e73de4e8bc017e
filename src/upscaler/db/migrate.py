"""Run Alembic migrations from code: the service upgrades to head at start.

The migrations are package data (upscaler/migrations), and the configuration
is built here rather than read from an alembic.ini, so an installed wheel
migrates with nothing beside it. The checkout's alembic.ini (for the `alembic`
command: `make migrate`, `alembic revision`) points at the same folder.
"""

from __future__ import annotations

from alembic.config import Config

from alembic import command
from upscaler.resources import MIGRATIONS_DIR


def alembic_config(database_url: str) -> Config:
    config = Config()
    # Options are ConfigParser values: a literal % must be doubled.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    config.attributes["database_url"] = database_url
    config.attributes["configure_logging"] = False
    return config


def upgrade_to_head(database_url: str) -> None:
    """Blocking; runs its own event loop, so call it off the running loop."""
    command.upgrade(alembic_config(database_url), "head")


def main() -> None:
    """`upscaler-migrate`: upgrade the database named by UPSCALER_DATABASE_URL
    (what compose's one-shot `migrate` runs; API replicas also do it at start)."""
    from upscaler.config import get_settings
    from upscaler.logs import configure_logging

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format or "text")
    upgrade_to_head(settings.database_url)


if __name__ == "__main__":
    main()
