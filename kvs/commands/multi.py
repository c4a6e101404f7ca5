"""Transactions (Redis's multi.c): MULTI, EXEC, DISCARD, WATCH, UNWATCH."""
from kvs.commands.table import NO_MULTI, command
from kvs.db import now_ms
from kvs.errors import CommandError

G = "transactions"

# Commands that run at once inside MULTI instead of being queued.
_RUN_NOW = frozenset(("exec", "discard", "multi", "watch", "quit", "reset"))


class MultiState:
    """Commands queued between MULTI and EXEC; `aborted` once one was refused (EXEC then answers EXECABORT)."""

    __slots__ = ("queued", "aborted")

    def __init__(self):
        self.queued = []
        self.aborted = False

    def runs_now(self, cmd) -> bool:
        return cmd.fullname in _RUN_NOW

    def queue(self, c, cmd, argv) -> None:
        if NO_MULTI in cmd.flags:
            c.server.reject(c, "ERR Command not allowed inside a transaction")
            return
        self.queued.append((cmd, argv))
        c.w.simple("QUEUED")


def unwatch_all(c) -> None:
    watched = c.server.watched_keys
    for k in c.watching or ():
        watchers = watched.get(k)
        if watchers is not None:
            watchers.discard(c)
            if not watchers:
                del watched[k]
    c.watching = None
    c.multi_dirty = False


def discard_transaction(c) -> None:
    c.multi_state = None
    unwatch_all(c)


@command("multi", 1, "noscript loading stale fast allow_busy", group=G, summary="Start a transaction",
         since="1.2.0", acl="@fast @transaction")
def multi_command(c, argv):
    if c.multi_state is not None:
        raise CommandError("ERR MULTI calls can not be nested")
    c.multi_state = MultiState()
    c.w.ok()


def _watched_key_expired(c) -> bool:
    """Redis fails EXEC when a watched key has logically expired since WATCH, even if nobody touched it."""
    now = now_ms()
    dbs = c.server.dbs
    for dbid, key in c.watching or ():
        when = dbs[dbid].expires.get(key)
        if when is not None and when <= now:
            return True
    return False


@command("exec", 1, "noscript loading stale skip_slowlog", group=G, summary="Run the queued commands",
         since="1.2.0", acl="@slow @transaction")
def exec_command(c, argv):
    state = c.multi_state
    if state is None:
        raise CommandError("ERR EXEC without MULTI")
    if state.aborted:
        discard_transaction(c)
        raise CommandError("EXECABORT Transaction discarded because of previous errors.")
    if c.multi_dirty or _watched_key_expired(c):
        discard_transaction(c)
        c.w.null_array()
        return
    # Leave MULTI first: the queued commands must run, not be queued again.
    discard_transaction(c)
    c.w.array(len(state.queued))
    call = c.server.call
    for cmd, cargv in state.queued:
        call(c, cmd, cargv)


@command("discard", 1, "noscript loading stale fast allow_busy", group=G, summary="Drop the queued commands",
         since="2.0.0", acl="@fast @transaction")
def discard_command(c, argv):
    if c.multi_state is None:
        raise CommandError("ERR DISCARD without MULTI")
    discard_transaction(c)
    c.w.ok()


@command("watch", -2, "noscript loading stale fast allow_busy", (1, -1, 1), group=G, since="2.2.0",
         summary="Make EXEC fail if these keys change", acl="@fast @transaction")
def watch_command(c, argv):
    if c.multi_state is not None:
        raise CommandError("ERR WATCH inside MULTI is not allowed")
    if c.watching is None:
        c.watching = set()
    watched = c.server.watched_keys
    dbid = c.db.id
    for key in argv[1:]:
        k = (dbid, key)
        if k not in c.watching:
            c.watching.add(k)
            watched.setdefault(k, set()).add(c)
    c.w.ok()


@command("unwatch", 1, "noscript loading stale fast allow_busy", group=G, since="2.2.0",
         summary="Forget all WATCHed keys", acl="@fast @transaction")
def unwatch_command(c, argv):
    unwatch_all(c)
    c.w.ok()
