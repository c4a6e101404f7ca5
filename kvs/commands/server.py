"""Server commands: INFO, CONFIG, COMMAND, TIME, MONITOR, SHUTDOWN (Redis's server.c, config.c); LASTSAVE is with
the other persistence commands in kvs/commands/persistence.py."""
import time

from kvs import errors, info
from kvs.client import MONITOR
from kvs.commands import table
from kvs.commands.keys import reply_help
from kvs.commands.table import command, container
from kvs.config import ConfigSetError, string_match
from kvs.errors import CommandError

G = "server"
_ADMIN = "admin noscript loading stale"


@command("info", -1, "loading stale", group=G, summary="Information and statistics about the server",
         acl="@slow @dangerous", tips="nondeterministic_output request_policy:all_shards response_policy:special")
def info_command(c, argv):
    names = [a.decode("utf-8", "replace") for a in argv[1:]]
    c.w.verbatim(info.generate(c.server, names))


@command("time", 1, "loading stale fast", group=G, summary="The server's time", since="2.6.0", acl="@fast",
         tips="nondeterministic_output")
def time_command(c, argv):
    now = time.time_ns() // 1000
    c.w.array(2)
    c.w.bulk(str(now // 1_000_000))
    c.w.bulk(str(now % 1_000_000))


@command("monitor", 1, _ADMIN, group=G, summary="Stream every command the server runs")
def monitor_command(c, argv):
    if c.flags & MONITOR:
        return
    c.flags |= MONITOR
    c.server.monitors.append(c)
    c.w.ok()


@command("shutdown", -1, _ADMIN + " no_multi allow_busy", group=G, summary="Save (if configured) and stop")
def shutdown_command(c, argv):
    nosave = save = abort = force = False
    for a in argv[1:]:
        o = a.lower()
        if o == b"nosave":
            nosave = True
        elif o == b"save":
            save = True
        elif o == b"force":
            force = True
        elif o == b"now":
            pass
        elif o == b"abort":
            abort = True
        else:
            raise CommandError(errors.SYNTAX)
    if (nosave and save) or (abort and len(argv) > 2):
        raise CommandError(errors.SYNTAX)
    if abort:
        raise CommandError("ERR No shutdown in progress.")
    if not c.server.prepare_shutdown(nosave=nosave, save=save, force=force):
        raise CommandError("ERR Errors trying to SHUTDOWN. Check logs.")
    # Success: no reply, the connection just closes.
    c.close()


# -- CONFIG ----------------------------------------------------------------------------------------------------
container("config", G, "Read and change the configuration", since="2.0.0")


@command("get", -3, _ADMIN, parent="config", summary="Configuration values matching glob patterns", since="2.0.0")
def config_get_command(c, argv):
    pairs = c.server.config.get_pairs([a.decode("utf-8", "replace") for a in argv[2:]])
    w = c.w
    w.map(len(pairs))
    for name, value in pairs:
        w.bulk(name)
        w.bulk(value)


@command("set", -4, _ADMIN, parent="config", summary="Change configuration values", since="2.0.0",
         tips="request_policy:all_nodes response_policy:all_succeeded")
def config_set_command(c, argv):
    if len(argv) % 2:
        # Redis answers a dangling name (the arity check already passed) with a plain syntax error.
        raise CommandError(errors.SYNTAX)
    pairs = [(argv[i].decode("utf-8", "replace"), argv[i + 1].decode("utf-8", "surrogateescape"))
             for i in range(2, len(argv), 2)]
    try:
        c.server.config.set_pairs(pairs, loading=c.server.loading)
    except ConfigSetError as e:
        raise CommandError(str(e))
    c.w.ok()


@command("resetstat", 2, _ADMIN, parent="config", summary="Reset the statistics INFO reports", since="2.0.0")
def config_resetstat_command(c, argv):
    c.server.reset_stats()
    c.w.ok()


@command("rewrite", 2, _ADMIN, parent="config", summary="Write the running configuration to the config file",
         since="2.8.0")
def config_rewrite_command(c, argv):
    try:
        c.server.config.rewrite()
    except ConfigSetError as e:
        raise CommandError(str(e))
    except OSError as e:
        raise CommandError(f"ERR Rewriting config file: {e.strerror}")
    c.w.ok()


CONFIG_HELP = [
    "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "GET <pattern>",
    "    The configuration values whose names match the glob <pattern>.",
    "SET <directive> <value>",
    "    Change a configuration value.",
    "RESETSTAT",
    "    Reset the statistics INFO reports.",
    "REWRITE",
    "    Write the running configuration back to the config file.",
    "HELP",
    "    This help.",
]


@command("help", 2, "loading stale", parent="config", summary="Help for CONFIG", since="5.0.0", acl="@slow")
def config_help_command(c, argv):
    reply_help(c, CONFIG_HELP)


# -- COMMAND ---------------------------------------------------------------------------------------------------
# COMMAND and all its subcommands are in the @connection category in Redis, unlike other server-group commands.
_COMMAND_ACL = "@slow @connection"

@command("command", -1, "loading stale", group=G, summary="Describe the commands", since="2.8.13",
         acl=_COMMAND_ACL, tips="nondeterministic_output_order")
def command_command(c, argv):
    cmds = list(table.all_commands())
    c.w.array(len(cmds))
    for cmd in cmds:
        reply_command_info(c.w, cmd)


# The order in which Redis lists command flags and ACL categories (its internal bit order), whatever order a
# command was registered with; names Redis does not know go last.
FLAG_ORDER = {f: i for i, f in enumerate(
    "write readonly denyoom module admin pubsub noscript blocking loading stale skip_monitor skip_slowlog asking "
    "fast no_auth may_replicate no_mandatory_keys no_async_loading no_multi movablekeys allow_busy".split())}
ACL_ORDER = {c: i for i, c in enumerate(
    "@keyspace @read @write @set @sortedset @list @hash @string @bitmap @hyperloglog @geo @stream @pubsub @admin "
    "@fast @slow @blocking @dangerous @connection @transaction @scripting".split())}


def _in_order(names, order):
    return sorted(names, key=lambda n: order.get(n, len(order)))


def reply_command_info(w, cmd):
    w.array(10)
    w.bulk(cmd.fullname)
    w.integer(cmd.arity)
    w.set(len(cmd.flags))
    for f in _in_order(cmd.flags, FLAG_ORDER):
        w.simple(f)
    w.integer(cmd.first_key)
    w.integer(cmd.last_key)
    w.integer(cmd.key_step)
    w.set(len(cmd.acl))
    for a in _in_order(cmd.acl, ACL_ORDER):
        w.simple(a)
    w.set(len(cmd.tips))
    for t in cmd.tips:
        w.bulk(t)
    # Redis sends the key specs, and an empty subcommand list, as RESP3 sets (arrays in RESP2).
    if cmd.first_key:
        w.set(1)
        w.map(3)
        w.bulk(b"flags")
        flags = ("RO", "access") if table.READONLY in cmd.flags else ("RW", "update")
        w.set(len(flags))
        for f in flags:
            w.simple(f)
        w.bulk(b"begin_search")
        w.map(2)
        w.bulk(b"type")
        w.bulk(b"index")
        w.bulk(b"spec")
        w.map(1)
        w.bulk(b"index")
        w.integer(cmd.first_key)
        w.bulk(b"find_keys")
        w.map(2)
        w.bulk(b"type")
        w.bulk(b"range")
        w.bulk(b"spec")
        w.map(3)
        w.bulk(b"lastkey")
        w.integer(cmd.last_key - cmd.first_key if cmd.last_key >= 0 else cmd.last_key)
        w.bulk(b"keystep")
        w.integer(cmd.key_step)
        w.bulk(b"limit")
        w.integer(0)
    else:
        w.set(0)
    subs = list((cmd.subcommands or {}).values())
    if subs:
        w.array(len(subs))
    else:
        w.set(0)
    for s in subs:
        reply_command_info(w, s)


def _find(name: bytes):
    """A command by name, or a subcommand by `container|sub`."""
    if b"|" in name:
        parent, _, sub = name.lower().partition(b"|")
        cmd = table.COMMANDS.get(parent)
        return (cmd.subcommands or {}).get(sub) if cmd else None
    return table.COMMANDS.get(name.lower())


@command("count", 2, "loading stale", parent="command", summary="Number of commands", since="2.8.13",
         acl=_COMMAND_ACL)
def command_count_command(c, argv):
    c.w.integer(len(table.COMMANDS))


@command("info", -2, "loading stale", parent="command", summary="Describe some commands", since="2.8.13",
         acl=_COMMAND_ACL, tips="nondeterministic_output_order")
def command_info_command(c, argv):
    if len(argv) == 2:
        command_command(c, argv)
        return
    w = c.w
    w.array(len(argv) - 2)
    for name in argv[2:]:
        cmd = _find(name)
        if cmd is None:
            w.null()
        else:
            reply_command_info(w, cmd)


def reply_command_docs(w, cmd):
    # Redis spells group names with dashes in its replies ("sorted-set"), underscores in its tables.
    fields = [(b"summary", cmd.summary), (b"since", cmd.since), (b"group", cmd.group.replace("_", "-"))]
    subs = list((cmd.subcommands or {}).values())
    w.map(len(fields) + (1 if subs else 0))
    for k, v in fields:
        w.bulk(k)
        w.bulk(v)
    if subs:
        w.bulk(b"subcommands")
        w.map(len(subs))
        for s in subs:
            w.bulk(s.fullname)
            reply_command_docs(w, s)


@command("docs", -2, "loading stale", parent="command", summary="Documentation of commands", since="7.0.0",
         acl=_COMMAND_ACL, tips="nondeterministic_output_order")
def command_docs_command(c, argv):
    if len(argv) == 2:
        cmds = list(table.all_commands())
    else:
        cmds = [cmd for cmd in (_find(n) for n in argv[2:]) if cmd is not None]
    w = c.w
    w.map(len(cmds))
    for cmd in cmds:
        w.bulk(cmd.fullname)
        reply_command_docs(w, cmd)


@command("list", -2, "loading stale", parent="command", summary="Names of the commands", since="7.0.0",
         acl=_COMMAND_ACL, tips="nondeterministic_output_order")
def command_list_command(c, argv):
    # Like Redis, the list holds subcommands too (by full name, `config|get`), and filters apply to each.
    cmds = [x for cmd in table.all_commands() for x in [cmd, *(cmd.subcommands or {}).values()]]
    if len(argv) > 2:
        if len(argv) != 5 or argv[2].lower() != b"filterby":
            raise CommandError(errors.SYNTAX)
        kind, arg = argv[3].lower(), argv[4]
        if kind == b"pattern":
            cmds = [x for x in cmds if string_match(arg, x.fullname.encode(), nocase=True)]
        elif kind == b"aclcat":
            cat = "@" + arg.decode("utf-8", "replace").lower()
            cmds = [x for x in cmds if cat in x.acl]
        elif kind == b"module":
            cmds = []
        else:
            raise CommandError(errors.SYNTAX)
    c.w.bulks([x.fullname for x in cmds])


@command("getkeys", -4, "loading stale", parent="command", summary="The keys of a full command line",
         since="2.8.13", acl=_COMMAND_ACL)
def command_getkeys_command(c, argv):
    cmd = table.lookup(argv[2])
    if cmd is not None and cmd.subcommands is not None and len(argv) > 3:
        # A container resolves to its subcommand, which is what has the key positions (OBJECT ENCODING key).
        cmd = cmd.subcommands.get(argv[3].lower())
    if cmd is None:
        raise CommandError("ERR Invalid command specified")
    if not cmd.arity_ok(len(argv) - 2):
        raise CommandError("ERR Invalid number of arguments specified for command")
    keys = [argv[2 + i] for i in cmd.key_indexes(argv[2:])]
    if not keys:
        raise CommandError("ERR The command has no key arguments")
    c.w.bulks(keys)


COMMAND_HELP = [
    "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "(no subcommand)",
    "    Describe every command.",
    "COUNT",
    "    Number of commands.",
    "INFO [<command-name> ...]",
    "    Describe the named commands (all when none is given).",
    "DOCS [<command-name> ...]",
    "    Documentation of the named commands (all when none is given).",
    "LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]",
    "    Names of the commands, optionally filtered.",
    "GETKEYS <full-command>",
    "    The key arguments of a full command line.",
    "HELP",
    "    This help.",
]


@command("help", 2, "loading stale", parent="command", summary="Help for COMMAND", since="5.0.0",
         acl=_COMMAND_ACL)
def command_help_command(c, argv):
    reply_help(c, COMMAND_HELP)
