"""kvs: a Redis-compatible in-memory data server with compiled hot paths."""

__version__ = "0.1.0"

# The Redis release whose behaviour, replies and file formats kvs reproduces. Clients such as redis-cli and
# redis-py read `redis_version` from INFO/HELLO to decide which commands they may use, so we report it.
REDIS_VERSION = "7.0.15"
