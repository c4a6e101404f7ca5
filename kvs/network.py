"""The thin uvloop adapter: bytes in, one write of all replies out per read, backpressure for slow readers."""
import asyncio
import socket
from time import monotonic

from kvs._core.conn import ConnectionCore
from kvs.client import CLOSE_AFTER_REPLY, UNIX_SOCKET
from kvs.log import log


class Connection(ConnectionCore, asyncio.BufferedProtocol):
    """One client socket. The transport reads straight into the client's parser buffer (get_buffer), every
    complete command is executed, and everything they produced leaves in a single transport.write(); the per-read
    path (get_buffer, buffer_updated, run_commands, flush) is compiled in ConnectionCore."""

    def __init__(self, server):
        self.server = server
        self.transport = None
        self.client = None
        self.paused = False
        self.closed = False
        self.obuf_soft_since = 0.0

    # -- asyncio callbacks -----------------------------------------------------------------------------------
    def connection_made(self, transport):
        self.transport = transport
        server = self.server
        sock = transport.get_extra_info("socket")
        peer = transport.get_extra_info("peername")
        local = transport.get_extra_info("sockname")
        if isinstance(peer, tuple):
            addr = _fmt_addr(peer)
            laddr = _fmt_addr(local)
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                _set_keepalive(sock, server.config["tcp-keepalive"])
        else:
            addr = f"{local}:0"
            laddr = local or ""
        fd = sock.fileno() if sock is not None else -1
        c = self.client = server.create_client(self, addr, laddr, fd)
        if not isinstance(peer, tuple):
            c.flags |= UNIX_SOCKET
        transport.set_write_buffer_limits(high=64 * 1024)
        if len(server.clients) > server.config["maxclients"]:
            server.stats.rejected_conn += 1
            transport.write(b"-ERR max number of clients reached\r\n")
            self.close()
            return
        if server.config["protected-mode"] and not server.config["requirepass"] and isinstance(peer, tuple) \
                and not _is_loopback(peer[0]) and server.default_bind:
            server.stats.rejected_conn += 1
            transport.write(PROTECTED_MODE_ERROR)
            self.close()
            return
        log.verbose(f"Accepted {addr}")

    def protocol_error(self, e):
        c = self.client
        self.server.reply_error(c, "ERR " + str(e))
        c.flags |= CLOSE_AFTER_REPLY
        log.verbose(f"Protocol error ({e}) from client: id={c.id} addr={c.addr}")

    def over_output_limit(self, pending: int) -> bool:
        """client-output-buffer-limit of the client's class: past the hard limit, or past the soft one for longer
        than its seconds, the client is disconnected. Like Redis, replies count as they are queued, before the
        socket takes any of them. Returns True when the client was dropped."""
        limit = self.server.obuf_limits.get(self.client.output_class())
        if limit is None:
            return False
        size = pending + self.transport.get_write_buffer_size()
        hard, soft, seconds = limit
        over = hard and size > hard
        if not over and soft and size > soft:
            now = monotonic()
            if not self.obuf_soft_since:
                self.obuf_soft_since = now
            over = now - self.obuf_soft_since > seconds
        elif self.obuf_soft_since and (not soft or size <= soft):
            self.obuf_soft_since = 0.0
        if over:
            self.server.stats.client_outbuf_limit_disconnections += 1
            log.warning(f"Client id={self.client.id} addr={self.client.addr} scheduled to be closed ASAP for "
                        f"overcoming of output buffer limits.")
            self.abort()
        return bool(over)

    def pause_writing(self):
        # The peer reads slower than we answer: stop reading its requests until the output drains.
        self.paused = True
        if not self.closed:
            self.transport.pause_reading()

    def resume_writing(self):
        self.paused = False
        if not self.closed:
            self.transport.resume_reading()
            # Commands that were already buffered when we paused run now.
            self.run_commands()

    def eof_received(self):
        return False

    def connection_lost(self, exc):
        self.closed = True
        if self.client is not None:
            self.server.client_closed(self.client)

    def close(self):
        """Close after sending what is already written (QUIT, protocol errors)."""
        if not self.closed:
            self.closed = True
            self.transport.close()

    def abort(self):
        """Drop the connection now, discarding unsent output (CLIENT KILL, buffer limits, timeouts)."""
        if not self.closed:
            self.closed = True
            self.transport.abort()


PROTECTED_MODE_ERROR = (
    b"-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for "
    b"the default user. In this mode connections are only accepted from the loopback interface. If you want to "
    b"connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable "
    b"protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by "
    b"connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly "
    b"accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively "
    b"you can just disable the protected mode by editing the Redis configuration file, and setting the protected "
    b"mode option to 'no', and then restarting the server. 3) If you started the server manually just for "
    b"testing, restart it with the '--protected-mode no' option. 4) Set up an authentication password for the "
    b"default user. NOTE: You only need to do one of the above things in order for the server to start "
    b"accepting connections from the outside.\r\n")


def _fmt_addr(a) -> str:
    if not a:
        return ""
    host, port = a[0], a[1]
    return f"{host}:{port}"


def _is_loopback(host: str) -> bool:
    return host.startswith("127.") or host == "::1" or host.startswith("::ffff:127.")


def _set_keepalive(sock, interval: int) -> None:
    if interval <= 0:
        return
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    if hasattr(socket, "TCP_KEEPIDLE"):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, interval)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, max(interval // 3, 1))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 3)


async def start_listeners(server, loop) -> list:
    """Bind every `bind` address on `port` and the `unixsocket`, as Redis does at start-up; raises OSError with
    Redis's wording when nothing could be bound."""
    cfg = server.config
    listeners = []
    port = cfg["port"]
    backlog = cfg["tcp-backlog"]
    if port:
        for addr in cfg["bind"]:
            optional = addr.startswith("-")
            host = addr.lstrip("-")
            if host == "*":
                host = "0.0.0.0"
            try:
                srv = await loop.create_server(lambda: Connection(server), host, port, backlog=backlog,
                                               reuse_address=True)
            except OSError as e:
                if optional and e.errno in (97, 99):  # address family / address not available
                    continue
                log.warning(f"Warning: Could not create server TCP listening socket {host}:{port}: {e.strerror}")
                for s in listeners:
                    s.close()
                raise
            listeners.append(srv)
    path = cfg["unixsocket"]
    if path:
        import os
        try:
            os.unlink(path)
        except OSError:
            pass
        srv = await loop.create_unix_server(lambda: Connection(server), path, backlog=backlog)
        os.chmod(path, cfg["unixsocketperm"] or 0o777)
        listeners.append(srv)
    server.listeners = listeners
    server.default_bind = list(cfg["bind"]) == ["*", "-::*"]
    return listeners
