"""Storage: SQLAlchemy models, the database handle, and Alembic migrations shipped in the
package (`jirasync.store.migrations`)."""
