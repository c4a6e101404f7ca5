"""Per-connection state, independent of sockets: the AOF loader and the replication link use clients too. The
fields every command touches live in the compiled ClientCore."""
import time

from kvs._core.engine import (CLOSE_AFTER_REPLY, CLOSE_ASAP, MONITOR, REPLY_OFF, REPLY_SKIP,  # noqa: F401
                              REPLY_SKIP_NEXT, UNIX_SOCKET, PUBSUB, ClientCore)
from kvs._core.resp import ReplyWriter, RequestParser

# Client kinds
NORMAL = 0
MASTER = 1       # the link to our master: its replies are dropped
FAKE = 2         # AOF loading and tests: no connection at all


class Client(ClientCore):
    __slots__ = ("name", "addr", "laddr", "fd", "ctime", "last_interaction", "lib_name", "lib_ver",
                 "watching", "multi_dirty", "channels", "patterns", "__weakref__")

    def __init__(self, server, kind=NORMAL, conn=None, addr="", laddr="", fd=-1):
        self.server = server
        self.kind = kind
        self.id = server.next_client_id()
        self.db = server.dbs[0]
        self.w = ReplyWriter()
        self.parser = RequestParser(server.config["proto-max-bulk-len"])
        self.flags = 0
        self.name = b""
        self.set_authenticated(not server.config["requirepass"])
        self.addr = addr
        self.laddr = laddr
        self.fd = fd
        self.ctime = self.last_interaction = time.monotonic()
        self.conn = conn           # the network adapter (or None); has close() and flush()
        self.lib_name = b""
        self.lib_ver = b""
        self.watching = None       # set of (dbid, key) this client WATCHes
        self.multi_dirty = False   # a watched key changed: EXEC must fail
        self.channels = None       # {channel: None} subscribed to, in order
        self.patterns = None

    def output_class(self) -> str:
        """Which client-output-buffer-limit applies (Redis's getClientType)."""
        if self.flags & PUBSUB:
            return "pubsub"
        return "normal"

    @property
    def resp(self) -> int:
        return self.w.resp

    def set_authenticated(self, yes: bool) -> None:
        self.authenticated = yes
        self.parser.auth_required = not yes

    def rewrite_argv(self, argv: list) -> None:
        """Propagate this command as `argv` instead of what the client sent (e.g. SET .. PXAT for SET .. EX)."""
        self.prop_argv = argv

    def close(self) -> None:
        """Drop the connection at once (CLIENT KILL, limits); pending replies are discarded as Redis does."""
        self.flags |= CLOSE_ASAP
        if self.conn is not None:
            self.conn.abort()
