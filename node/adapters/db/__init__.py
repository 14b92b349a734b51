"""SQLAlchemy storage: tables, repositories, unit of work, Alembic migrations."""
