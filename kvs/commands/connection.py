"""Connection commands: PING, ECHO, QUIT, HELLO, AUTH, RESET and CLIENT (Redis's networking.c parts)."""
import hmac
import time
import weakref

import kvs
from kvs import errors
from kvs._core.numbers import parse_int
from kvs.client import (CLOSE_AFTER_REPLY, CLOSE_ASAP, MASTER, MONITOR, PUBSUB, REPLY_OFF, REPLY_SKIP,
                        REPLY_SKIP_NEXT, UNIX_SOCKET)
from kvs.commands.keys import reply_help
from kvs.commands.multi import discard_transaction
from kvs.commands.pubsub import unsubscribe_all
from kvs.commands.table import command, container
from kvs.errors import CommandError

G = "connection"


@command("ping", -1, "fast", group=G, summary="Check the connection", acl="@fast @connection",
         tips="request_policy:all_shards response_policy:all_succeeded")
def ping_command(c, argv):
    if len(argv) > 2:
        raise errors.wrong_arity("ping")
    if c.flags & PUBSUB and c.w.resp == 2:
        # A RESP2 subscriber's connection carries message arrays, so PING answers in that shape.
        c.w.array(2)
        c.w.bulk(b"pong")
        c.w.bulk(argv[1] if len(argv) == 2 else b"")
    elif len(argv) == 1:
        c.w.simple("PONG")
    else:
        c.w.bulk(argv[1])


@command("echo", 2, "loading stale fast", group=G, summary="Return the argument", acl="@fast @connection")
def echo_command(c, argv):
    c.w.bulk(argv[1])


@command("quit", -1, "noscript loading stale fast no_auth allow_busy", group=G, summary="Close the connection",
         acl="@fast @connection")
def quit_command(c, argv):
    c.w.ok()
    c.flags |= CLOSE_AFTER_REPLY


REDACTED = b"(redacted)"


def check_password(server, username: bytes, password: bytes) -> bool:
    """Only the `default` user exists; `requirepass` is its password (none means any password works)."""
    if username != b"default":
        return False
    required = server.config["requirepass"]
    if not required:
        return True
    return hmac.compare_digest(password, required.encode() if isinstance(required, str) else required)


@command("auth", -2, "noscript loading stale fast no_auth allow_busy", group=G, summary="Authenticate",
         acl="@fast @connection")
def auth_command(c, argv):
    if len(argv) > 3:
        raise CommandError(errors.SYNTAX)
    # Secrets never reach MONITOR, which reads this same argv after the command ran (Redis redacts them too,
    # though not on the syntax error above).
    secrets = argv[1:]
    for j in range(1, len(argv)):
        argv[j] = REDACTED
    argv = [argv[0], *secrets]
    if len(argv) == 2:
        if not c.server.config["requirepass"]:
            raise CommandError("ERR AUTH <password> called without any password configured for the default user. "
                               "Are you sure your configuration is correct?")
        username, password = b"default", argv[1]
    else:
        username, password = argv[1], argv[2]
    if check_password(c.server, username, password):
        c.set_authenticated(True)
        c.w.ok()
    else:
        raise CommandError(errors.WRONGPASS)


def validate_client_name(name: bytes) -> None:
    # Names are printed space-separated in CLIENT LIST, so only visible ASCII is allowed.
    for ch in name:
        if ch < 33 or ch > 126:
            raise CommandError("ERR Client names cannot contain spaces, newlines or special characters.")


@command("hello", -1, "noscript loading stale fast no_auth allow_busy", group=G, since="6.0.0",
         summary="Handshake: protocol version, authentication, client name", acl="@fast @connection")
def hello_command(c, argv):
    version = 0
    i = 1
    if len(argv) >= 2:
        version = parse_int(argv[1])
        if version is None:
            raise CommandError("ERR Protocol version is not an integer or out of range")
        if version < 2 or version > 3:
            raise CommandError("NOPROTO unsupported protocol version")
        i = 2
    # Options act in order as they are read, as in Redis: a name set before a failing AUTH, or an AUTH before a
    # syntax error, stays in effect although the command fails.
    while i < len(argv):
        opt = argv[i].lower()
        more = len(argv) - 1 - i
        if opt == b"auth" and more >= 2:
            username, password = argv[i + 1], argv[i + 2]
            argv[i + 1] = argv[i + 2] = REDACTED  # hidden from MONITOR, like AUTH's arguments
            if not check_password(c.server, username, password):
                raise CommandError(errors.WRONGPASS)
            c.set_authenticated(True)
            i += 3
        elif opt == b"setname" and more >= 1:
            validate_client_name(argv[i + 1])
            c.name = argv[i + 1]
            i += 2
        else:
            raise CommandError(b"ERR Syntax error in HELLO option '" + argv[i] + b"'")
    if not c.authenticated:
        raise CommandError("NOAUTH HELLO must be called with the client already authenticated, otherwise the "
                           "HELLO AUTH <user> <pass> option can be used to authenticate the client and "
                           "select the RESP protocol version at the same time")
    if version:
        c.w.resp = version
    w = c.w
    w.map(7)
    w.bulk(b"server")
    w.bulk(b"redis")
    w.bulk(b"version")
    w.bulk(kvs.REDIS_VERSION)
    w.bulk(b"proto")
    w.integer(w.resp)
    w.bulk(b"id")
    w.integer(c.id)
    w.bulk(b"mode")
    w.bulk(b"standalone")
    w.bulk(b"role")
    w.bulk(b"slave" if c.server.is_replica else b"master")
    w.bulk(b"modules")
    w.array(0)


@command("reset", 1, "noscript loading stale fast no_auth allow_busy", group=G, since="6.2.0",
         summary="Reset the connection state", acl="@fast @connection")
def reset_command(c, argv):
    c.db = c.server.dbs[0]
    c.w.resp = 2
    c.name = b""
    discard_transaction(c)
    unsubscribe_all(c, notify=False)
    c.flags &= ~(REPLY_OFF | REPLY_SKIP | REPLY_SKIP_NEXT)
    if c.flags & MONITOR:
        c.flags &= ~MONITOR
        if c in c.server.monitors:
            c.server.monitors.remove(c)
    c.set_authenticated(not c.server.config["requirepass"])
    c.w.simple("RESET")


# -- CLIENT ----------------------------------------------------------------------------------------------------
container("client", G, "Inspect and control client connections", since="2.4.0")
_ADMIN = "admin noscript loading stale"
_PLAIN = "noscript loading stale"

CLIENT_TYPES = {b"normal": "normal", b"slave": "replica", b"replica": "replica", b"pubsub": "pubsub",
                b"master": "master"}


def client_type(c) -> str:
    # Redis's getClientType order: master link, replica, subscriber, everything else (monitors included).
    if c.kind == MASTER:
        return "master"
    if getattr(c, "is_replica_link", False):
        return "replica"
    if c.flags & PUBSUB:
        return "pubsub"
    return "normal"


# Clients that ran CLIENT NO-EVICT ON (kvs never evicts clients; the setting only shows in CLIENT LIST).
_NO_EVICT = weakref.WeakSet()


def client_flags(c) -> str:
    """The flags letters of CLIENT LIST, in Redis's order."""
    f = ""
    if c.flags & MONITOR:
        f += "O"
    if c.kind == MASTER:
        f += "M"
    if c.flags & PUBSUB:
        f += "P"
    if c.multi_state is not None:
        f += "x"
    if getattr(c, "blocked", None) is not None:
        f += "b"
    if getattr(c, "multi_dirty", False):
        f += "d"
    if c.flags & CLOSE_AFTER_REPLY:
        f += "c"
    if c.flags & CLOSE_ASAP:
        f += "A"
    if c.flags & UNIX_SOCKET:
        f += "U"
    if c in _NO_EVICT:
        f += "e"
    return f or "N"


def client_info_line(c, now: float) -> str:
    parser_pending = c.parser.pending
    cmd = c.last_cmd.fullname if c.last_cmd is not None else "NULL"
    multi = -1 if c.multi_state is None else len(c.multi_state.queued)
    obl = len(c.w)
    omem = c.conn.output_pending() if c.conn is not None and hasattr(c.conn, "output_pending") else 0
    return (f"id={c.id} addr={c.addr} laddr={c.laddr} fd={c.fd} name={c.name.decode('latin-1')} "
            f"age={int(now - c.ctime)} idle={int(now - c.last_interaction)} flags={client_flags(c)} "
            f"db={c.db.id} sub={len(c.channels or ())} psub={len(c.patterns or ())} ssub=0 multi={multi} "
            f"qbuf={parser_pending} qbuf-free=0 argv-mem=0 "
            f"multi-mem=0 rbs=16384 rbp=0 obl={obl} oll=0 omem={omem} tot-mem={parser_pending + obl + omem} "
            f"events=r cmd={cmd} user=default redir=-1 resp={c.w.resp}\n")


@command("id", 2, _PLAIN, parent="client", summary="The current connection's id", since="5.0.0")
def client_id_command(c, argv):
    c.w.integer(c.id)


@command("setname", 3, _PLAIN, parent="client", summary="Name the current connection", since="2.6.9")
def client_setname_command(c, argv):
    validate_client_name(argv[2])
    c.name = argv[2]
    c.w.ok()


@command("getname", 2, _PLAIN, parent="client", summary="The current connection's name", since="2.6.9")
def client_getname_command(c, argv):
    if c.name:
        c.w.bulk(c.name)
    else:
        c.w.null()


@command("info", 2, _PLAIN, parent="client", summary="Describe the current connection", since="6.2.0",
         tips="nondeterministic_output")
def client_info_command(c, argv):
    c.w.verbatim(client_info_line(c, time.monotonic()))


def _client_type_arg(name: bytes) -> str:
    t = CLIENT_TYPES.get(name.lower())
    if t is None:
        raise CommandError(b"ERR Unknown client type '" + name + b"'")
    return t


@command("list", -2, _ADMIN, parent="client", summary="Describe every connection", since="2.4.0",
         tips="nondeterministic_output")
def client_list_command(c, argv):
    clients = c.server.clients.values()
    if len(argv) == 4 and argv[2].lower() == b"type":
        t = _client_type_arg(argv[3])
        clients = [x for x in clients if client_type(x) == t]
    elif len(argv) > 3 and argv[2].lower() == b"id":
        # One line per id argument, in argument order (repeats included), as Redis prints them.
        ids = []
        for a in argv[3:]:
            n = parse_int(a)
            if n is None:  # any integer is accepted; ids below 1 just match nobody
                raise CommandError("ERR Invalid client ID")
            ids.append(n)
        by_id = c.server.clients
        clients = [by_id[n] for n in ids if n in by_id]
    elif len(argv) != 2:
        raise CommandError(errors.SYNTAX)
    now = time.monotonic()
    c.w.verbatim("".join(client_info_line(x, now) for x in clients))


@command("kill", -3, _ADMIN, parent="client", summary="Close connections", since="2.4.0")
def client_kill_command(c, argv):
    server = c.server
    if len(argv) == 3:
        addr = argv[2].decode("latin-1")
        victims = [x for x in server.clients.values() if x.addr == addr]
        if not victims:
            raise CommandError("ERR No such client")
        _kill(c, victims)
        c.w.ok()
        return
    if len(argv) % 2:
        raise CommandError(errors.SYNTAX)
    cid = typ = addr = laddr = None
    skipme = True
    for i in range(2, len(argv), 2):
        opt, val = argv[i].lower(), argv[i + 1]
        if opt == b"id":
            cid = parse_int(val)
            if cid is None or cid < 1:
                raise CommandError("ERR client-id should be greater than 0")
        elif opt == b"type":
            typ = _client_type_arg(val)
        elif opt == b"addr":
            addr = val.decode("latin-1")
        elif opt == b"laddr":
            laddr = val.decode("latin-1")
        elif opt == b"user":
            if val != b"default":
                raise CommandError(b"ERR No such user '" + val + b"'")
        elif opt == b"skipme":
            if val.lower() == b"yes":
                skipme = True
            elif val.lower() == b"no":
                skipme = False
            else:
                raise CommandError(errors.SYNTAX)
        else:
            raise CommandError(errors.SYNTAX)
    victims = []
    for x in server.clients.values():
        if cid is not None and x.id != cid:
            continue
        if typ is not None and client_type(x) != typ:
            continue
        if addr is not None and x.addr != addr:
            continue
        if laddr is not None and x.laddr != laddr:
            continue
        if x is c and skipme:
            continue
        victims.append(x)
    _kill(c, victims)
    c.w.integer(len(victims))


def _kill(c, victims):
    for x in victims:
        if x is c:
            c.flags |= CLOSE_AFTER_REPLY  # the killer gets its reply first
        else:
            x.close()


@command("reply", 3, _PLAIN, parent="client", summary="Turn replies on or off for this connection",
         since="3.2.0")
def client_reply_command(c, argv):
    mode = argv[2].lower()
    if mode == b"on":
        c.flags &= ~(REPLY_OFF | REPLY_SKIP | REPLY_SKIP_NEXT)
        c.w.ok()
    elif mode == b"off":
        c.flags |= REPLY_OFF
    elif mode == b"skip":
        if not c.flags & REPLY_OFF:
            c.flags |= REPLY_SKIP_NEXT
    else:
        raise CommandError(errors.SYNTAX)


@command("no-evict", 3, _ADMIN, parent="client", summary="Protect this connection from client eviction",
         since="7.0.0")
def client_no_evict_command(c, argv):
    mode = argv[2].lower()
    if mode == b"on":
        _NO_EVICT.add(c)
    elif mode == b"off":
        _NO_EVICT.discard(c)
    else:
        raise CommandError(errors.SYNTAX)
    c.w.ok()


CLIENT_HELP = [
    "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "GETNAME",
    "    The name of this connection.",
    "ID",
    "    The id of this connection.",
    "INFO",
    "    A description of this connection, as one CLIENT LIST line.",
    "KILL <ip:port>",
    "    Close the connection from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Close the connections matching every option: ID <id>, ADDR <ip:port>, LADDR <ip:port>,",
    "    TYPE (NORMAL|MASTER|REPLICA|PUBSUB), USER <username>, SKIPME (YES|NO, default YES).",
    "LIST [TYPE (NORMAL|MASTER|REPLICA|PUBSUB)] [ID <id> [<id> ...]]",
    "    Describe the connections, one line each.",
    "NO-EVICT (ON|OFF)",
    "    Protect this connection from client eviction.",
    "REPLY (ON|OFF|SKIP)",
    "    Turn the replies to this connection on or off, or skip the next one.",
    "SETNAME <name>",
    "    Name this connection.",
    "HELP",
    "    This help.",
]


@command("help", 2, "loading stale", parent="client", summary="Help for CLIENT", since="5.0.0",
         acl="@slow @connection")
def client_help_command(c, argv):
    reply_help(c, CLIENT_HELP)
