"""The sans-IO core driven in-process: a Server with no sockets, one client, and a subscriber that records what
the propagation hook emits."""
from kvs import commands  # noqa: F401  (registers the command table)
from kvs.client import FAKE
from kvs.config import Config
from kvs.server import Server


class Core:
    """`core("SET", "k", "v")` runs a command and returns its raw reply; `core.take()` returns what was propagated
    since the last take, as (dbid, argv) pairs, or argv lists only when built with with_db=False."""

    def __init__(self, kind=FAKE, with_db=True):
        self.server = Server(Config())
        self.client = self.server.create_client(kind=kind)
        self.with_db = with_db
        self.fed = []
        self.server.propagation_subscribers.append(lambda dbid, argv: self.fed.append((dbid, list(argv))))

    def __call__(self, *args):
        argv = [a if isinstance(a, bytes) else str(a).encode() for a in args]
        self.server.execute(self.client, argv)
        return self.client.w.take()

    def take(self):
        fed, self.fed = self.fed, []
        return fed if self.with_db else [argv for _, argv in fed]
