"""Alembic environment: runs on the engine mailbot hands over, never on a URL of its own."""

from alembic import context

from mailbot.storage.models import Base

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    if connection.dialect.name == "postgresql":
        # A migration may rewrite a whole table: storage.statement_timeout_seconds is for
        # mailbot's own statements, so this transaction has none. Lock waits stay bounded.
        connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
