"""The command table: every command's name, arity, flags and key positions (Redis 7.0's values, as COMMAND INFO
reports them), and the handler that runs it. Command modules register themselves with the `command` decorator."""
from kvs._core.engine import Command

# Flags that decide how the server treats a command (subset of Redis's; the rest are reported verbatim).
WRITE = "write"
READONLY = "readonly"
DENYOOM = "denyoom"
ADMIN = "admin"
NOSCRIPT = "noscript"
LOADING = "loading"
STALE = "stale"
FAST = "fast"
NO_AUTH = "no_auth"
NO_MULTI = "no_multi"

_GROUP_CATEGORY = {
    "string": "@string", "generic": "@keyspace", "connection": "@connection", "list": "@list",
    "hash": "@hash", "set": "@set", "sorted_set": "@sortedset", "stream": "@stream", "pubsub": "@pubsub",
    "bitmap": "@bitmap", "hyperloglog": "@hyperloglog", "geo": "@geo", "transactions": "@transaction",
    "scripting": "@scripting", "server": "",
}


def _derive_acl(flags, group):
    acl = []
    if ADMIN in flags:
        acl.append("@admin")
    if WRITE in flags:
        acl.append("@write")
    if READONLY in flags:
        acl.append("@read")
    category = _GROUP_CATEGORY.get(group, "")
    if category:
        acl.append(category)
    acl.append("@fast" if FAST in flags else "@slow")
    if ADMIN in flags:
        acl.append("@dangerous")
    return tuple(acl)


def numkeys_at(pos: int, fixed=()):
    """Key indexes of a command whose keys follow a count at argv[pos] (LMPOP 2 a b LEFT: pos 1), plus `fixed`
    ones (a destination key)."""

    def keys(argv):
        n = int(argv[pos])
        return list(fixed) + list(range(pos + 1, pos + 1 + max(n, 0)))

    return keys


def _destination(i):
    return lambda cmd, argv: [i]


def _all_keys_but_source(cmd, argv):
    return [i for i in cmd.key_indexes(argv) if i != 1]


# Commands that read some of their keys and write others: a change only touches (for WATCH) the written ones,
# as Redis signals only its destinations.
WRITTEN_KEYS = {
    "bitop": _destination(2), "pfmerge": _destination(1), "sinterstore": _destination(1),
    "sunionstore": _destination(1), "sdiffstore": _destination(1), "zunionstore": _destination(1),
    "zinterstore": _destination(1), "zdiffstore": _destination(1), "zrangestore": _destination(1),
    "geosearchstore": _destination(1), "georadius": _all_keys_but_source, "georadiusbymember": _all_keys_but_source,
    "sort": _all_keys_but_source, "copy": lambda cmd, argv: [],   # COPY touches its destination itself
}


def make_command(name, handler, arity, flags, keys, group, summary, since, acl, tips, parent, args,
                 keys_fn=None) -> Command:
    cmd = Command()
    cmd.name = name
    cmd.fullname = f"{parent.name}|{name}" if parent else name
    cmd.handler = handler
    cmd.arity = arity
    cmd.flags = tuple(flags.split())
    cmd.first_key, cmd.last_key, cmd.key_step = keys
    cmd.group = group
    cmd.summary = summary
    cmd.since = since
    cmd.acl = tuple(acl.split()) if acl is not None else _derive_acl(cmd.flags, group)
    cmd.tips = tuple(tips.split())
    cmd.subcommands = None
    cmd.parent = parent
    cmd.is_write = WRITE in cmd.flags
    cmd.no_auth = NO_AUTH in cmd.flags
    # Redis leaves admin commands (and those marked so) out of the MONITOR feed.
    cmd.no_monitor = ADMIN in cmd.flags
    cmd.args = tuple(args or ())
    cmd.keys_fn = keys_fn
    cmd.fast = 0
    cmd.written_keys_fn = WRITTEN_KEYS.get(cmd.fullname)
    cmd.reset_stats()
    return cmd


# name (bytes, lower case) -> Command
COMMANDS: dict = {}


def command(name, arity, flags="", keys=(0, 0, 0), group="server", summary="", since="1.0.0", acl=None, tips="",
            parent=None, args=None, keys_fn=None):
    """Register the decorated function as the handler of `name` (or of `parent name` for a subcommand)."""

    def register(handler):
        if parent is None:
            cmd = make_command(name, handler, arity, flags, keys, group, summary, since, acl, tips, None, args,
                               keys_fn)
            COMMANDS[name.encode()] = cmd
        else:
            container = COMMANDS[parent.encode()]
            if container.subcommands is None:
                container.subcommands = {}
            cmd = make_command(name, handler, arity, flags, keys, container.group, summary, since, acl, tips,
                               container, args, keys_fn)
            container.subcommands[name.encode()] = cmd
        return handler

    return register


def container(name, group="server", summary="", since="1.0.0", acl="@slow", tips=""):
    """Register a command that only dispatches to subcommands (CLIENT, CONFIG, OBJECT ...)."""
    COMMANDS[name.encode()] = make_command(name, None, -2, "", (0, 0, 0), group, summary, since, acl, tips, None,
                                           None)


def lookup(name: bytes):
    """The command for a client-sent name, in any letter case, or None."""
    cmd = COMMANDS.get(name)
    if cmd is None:
        cmd = COMMANDS.get(name.lower())
    return cmd


def all_commands():
    return COMMANDS.values()
