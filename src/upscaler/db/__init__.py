"""Database: engine, column types and the SQLModel tables."""
