"""Command implementations, one module per family like Redis's t_string.c, db.c ... Importing this package
registers every command in `table.COMMANDS`."""
from kvs.commands import connection, keys, multi, pubsub, server, t_hash, t_list, t_set, t_string, t_zset  # noqa: F401
