"""Command implementations, one module per family like Redis's t_string.c, db.c ... Importing this package
registers every command in `table.COMMANDS`."""
from kvs.commands import connection, keys, server, t_string  # noqa: F401
