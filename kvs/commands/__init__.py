"""Command implementations, one module per family like Redis's t_string.c, db.c ... Importing this package
registers every command in `table.COMMANDS`."""
from kvs.commands import (  # noqa: F401
    bitops, connection, geo, hyperloglog, keys, multi, persistence, pubsub, server, sort, t_hash, t_list, t_set,
    t_stream, t_string, t_zset,
)
