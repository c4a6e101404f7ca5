"""Clients blocked on keys (Redis's blocked.c): BLPOP, BZPOPMIN, XREAD BLOCK ... wait here until another
command makes one of their keys ready, or until their timeout.

A blocked client keeps its command; when a write touches one of its keys the core re-runs that command for the
longest-waiting client first (first-blocked-first-served), once the writing command - or the whole EXEC - is
finished. A re-run that finds the key still unusable leaves the client blocked. Like Redis 7.0, a key only counts
as ready when it holds the type the command waits for."""
import time

from kvs import errors
from kvs._core.numbers import parse_double
from kvs.db import type_name
from kvs.errors import CommandError

BLOCKED = 1 << 8   # client flag: do not execute more of its input until unblocked


class BlockState:
    __slots__ = ("cmd", "argv", "keys", "deadline", "type", "timeout_reply", "timer", "db")

    def __init__(self, cmd, argv, db, keys, deadline, typ, timeout_reply):
        self.cmd = cmd
        self.argv = argv
        self.db = db
        self.keys = keys
        self.deadline = deadline          # time.monotonic() value, or 0 for forever
        self.type = typ
        self.timeout_reply = timeout_reply
        self.timer = None


def parse_timeout(arg: bytes) -> float:
    """A blocking timeout in seconds (fractions allowed); returns the absolute monotonic deadline, 0 = never."""
    v = parse_double(arg)
    if v is None or v != v or v > 1e15:
        raise CommandError("ERR timeout is not a float or out of range")
    if v < 0:
        raise CommandError("ERR timeout is negative")
    return time.monotonic() + v if v > 0 else 0.0


def may_block(c) -> bool:
    """Inside EXEC (or for clients without a connection) blocking commands behave as if they timed out."""
    return c.server.call_depth <= 1 and c.conn is not None and c.multi_state is None


# The client whose blocked command is being run again, and its state: a command that still cannot be served
# blocks anew, keeping its original deadline.
_retry = None


def reply_null_array(c) -> None:
    c.w.null_array()


def block(c, keys, deadline: float, typ: str, timeout_reply=reply_null_array, argv=None) -> None:
    """Park the running command of `c` until one of `keys` (in c.db) holds a `typ` value, or the deadline.
    `timeout_reply(c)` writes the reply for a timeout (Redis 7.0 answers every list, zset and stream timeout with
    a null array); `argv` is what to run again when woken (default: the command as sent; XREAD passes its `$`
    IDs resolved). A client that may not block (inside MULTI/EXEC, no connection) gets the timeout reply now."""
    if not may_block(c):
        timeout_reply(c)
        return
    server = c.server
    if _retry is not None and _retry[0] is c:
        deadline = _retry[1].deadline
    state = BlockState(c.last_cmd, argv or c.argv, c.db, list(dict.fromkeys(keys)), deadline, typ,
                       timeout_reply)
    c.blocked = state
    c.flags |= BLOCKED
    server.blocked_clients += 1
    for key in state.keys:
        server.blocking_keys.setdefault((c.db.id, key), []).append(c)
    if deadline and server.loop is not None:
        state.timer = server.loop.call_at(server.loop.time() + max(deadline - time.monotonic(), 0),
                                          timeout_client, c)


def unblock(c) -> BlockState:
    """Take `c` out of every wait list; returns its state."""
    state = c.blocked
    if state is None:
        return None
    server = c.server
    c.blocked = None
    c.flags &= ~BLOCKED
    server.blocked_clients -= 1
    for key in state.keys:
        k = (state.db.id, key)
        waiting = server.blocking_keys.get(k)
        if waiting is not None:
            try:
                waiting.remove(c)
            except ValueError:
                pass
            if not waiting:
                del server.blocking_keys[k]
    if state.timer is not None:
        state.timer.cancel()
    return state


def resume(c) -> None:
    """After unblocking: send what was produced and go on with the client's buffered input."""
    server = c.server
    server.pending_write(c)
    server.clients_pending_input[c] = None


def timeout_client(c) -> None:
    state = unblock(c)
    if state is None:
        return
    state.timeout_reply(c)
    resume(c)
    c.server.handle_pending_writes()


def check_timeouts(server) -> None:
    """Cron backstop for deadlines (clients without an event-loop timer)."""
    now = time.monotonic()
    for c in [c for waiting in server.blocking_keys.values() for c in waiting]:
        state = c.blocked
        if state is not None and state.deadline and state.deadline <= now:
            timeout_client(c)


def signal_command_keys(server, c, cmd, argv) -> None:
    """Called by the core after a command changed data while clients are blocked: its keys may be ready."""
    dbid = c.db.id
    for i in cmd.key_indexes(argv):
        k = (dbid, argv[i])
        if k in server.blocking_keys:
            server.ready_keys[k] = None


def serve_ready_keys(server) -> None:
    """Re-run the commands of clients blocked on keys that became ready, oldest first. Serving one client may
    make other keys ready (BLMOVE pushes), so loop until nothing is left."""
    global _retry
    while server.ready_keys:
        ready = list(server.ready_keys)
        server.ready_keys.clear()
        for dbid, key in ready:
            db = server.dbs[dbid]
            for c in list(server.blocking_keys.get((dbid, key), ())):
                state = c.blocked
                if state is None or state.db.id != dbid or key not in state.keys:
                    continue   # served meanwhile through another key
                value = db.lookup(key)
                if value is None or type_name(value) != state.type:
                    break
                unblock(c)
                c.db = state.db
                _retry = (c, state)
                try:
                    server.call(c, state.cmd, state.argv)
                finally:
                    _retry = None
                if c.blocked is None:
                    resume(c)


CLIENT_UNBLOCKED = "UNBLOCKED client unblocked via CLIENT UNBLOCK"


def client_unblock(server, client_id: int, with_error: bool) -> bool:
    target = server.clients.get(client_id)
    if target is None or target.blocked is None:
        return False
    state = unblock(target)
    if with_error:
        server.reply_error(target, CLIENT_UNBLOCKED)
    else:
        state.timeout_reply(target)
    resume(target)
    return True


def register_client_unblock():
    from kvs._core.numbers import parse_int
    from kvs.commands.table import command

    @command("unblock", -3, "admin noscript loading stale", parent="client", since="5.0.0",
             summary="Unblock a client blocked by a blocking command")
    def client_unblock_command(c, argv):
        cid = parse_int(argv[2])
        if cid is None:
            raise CommandError(errors.NOT_INTEGER)
        with_error = False
        if len(argv) == 4:
            mode = argv[3].lower()
            if mode == b"error":
                with_error = True
            elif mode != b"timeout":
                raise CommandError("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
        elif len(argv) > 4:
            raise CommandError(errors.SYNTAX)
        c.w.integer(1 if client_unblock(c.server, cid, with_error) else 0)
