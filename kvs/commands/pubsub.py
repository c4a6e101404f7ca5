"""Pub/Sub (Redis's pubsub.c): SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH, PUBSUB.

Subscriptions live on the server as channel -> {client: None} (dicts keep subscription order, which is the order
Redis delivers in). Messages are appended to each subscriber's reply buffer and its connection is flushed once
after the publisher's read is done, like Redis's pending-writes list."""
from kvs.client import PUBSUB
from kvs.commands.keys import reply_help
from kvs.commands.table import command, container
from kvs.config import string_match

G = "pubsub"
_FLAGS = "pubsub noscript loading stale"


def _count(c) -> int:
    return len(c.channels or ()) + len(c.patterns or ())


def _reply(c, kind: bytes, name, count: int) -> None:
    w = c.w
    w.push(3)
    w.bulk(kind)
    if name is None:
        w.null()
    else:
        w.bulk(name)
    w.integer(count)


def _update_flag(c) -> None:
    if c.channels or c.patterns:
        c.flags |= PUBSUB
    else:
        c.flags &= ~PUBSUB


# Channels and patterns are handled alike: (client attribute, server attribute, reply kinds).
_CHANNELS = ("channels", "pubsub_channels", b"subscribe", b"unsubscribe")
_PATTERNS = ("patterns", "pubsub_patterns", b"psubscribe", b"punsubscribe")


def _add(c, kind, name: bytes) -> None:
    attr, registry, reply, _ = kind
    mine = getattr(c, attr)
    if mine is None:
        mine = {}
        setattr(c, attr, mine)
    if name not in mine:
        mine[name] = None
        getattr(c.server, registry).setdefault(name, {})[c] = None
    _update_flag(c)
    _reply(c, reply, name, _count(c))


def _remove(c, kind, name: bytes, notify: bool) -> None:
    attr, registry, _, reply = kind
    mine = getattr(c, attr)
    if mine is not None and mine.pop(name, 0) is None:
        table = getattr(c.server, registry)
        subs = table.get(name)
        if subs is not None:
            subs.pop(c, None)
            if not subs:
                del table[name]
    _update_flag(c)
    if notify:
        _reply(c, reply, name, _count(c))


def _remove_all(c, kind, notify: bool) -> None:
    """UNSUBSCRIBE/PUNSUBSCRIBE without arguments: a reply per subscription, or one with a null name."""
    mine = getattr(c, kind[0])
    if not mine and notify:
        _reply(c, kind[3], None, _count(c))
    for name in list(mine or ()):
        _remove(c, kind, name, notify)


def subscribe(c, channel: bytes) -> None:
    _add(c, _CHANNELS, channel)


def psubscribe(c, pattern: bytes) -> None:
    _add(c, _PATTERNS, pattern)


def unsubscribe_all(c, notify: bool) -> None:
    """Drop every subscription (RESET, disconnect)."""
    for name in list(c.channels or ()):
        _remove(c, _CHANNELS, name, notify)
    for name in list(c.patterns or ()):
        _remove(c, _PATTERNS, name, notify)


@command("subscribe", -2, _FLAGS, group=G, summary="Listen for messages on channels", since="2.0.0",
         acl="@pubsub @slow")
def subscribe_command(c, argv):
    for ch in argv[1:]:
        subscribe(c, ch)


@command("unsubscribe", -1, _FLAGS, group=G, summary="Stop listening on channels", since="2.0.0",
         acl="@pubsub @slow")
def unsubscribe_command(c, argv):
    if len(argv) == 1:
        _remove_all(c, _CHANNELS, True)
    for ch in argv[1:]:
        _remove(c, _CHANNELS, ch, True)


@command("psubscribe", -2, _FLAGS, group=G, summary="Listen for messages on channels matching patterns",
         since="2.0.0", acl="@pubsub @slow")
def psubscribe_command(c, argv):
    for p in argv[1:]:
        psubscribe(c, p)


@command("punsubscribe", -1, _FLAGS, group=G, summary="Stop listening on patterns", since="2.0.0",
         acl="@pubsub @slow")
def punsubscribe_command(c, argv):
    if len(argv) == 1:
        _remove_all(c, _PATTERNS, True)
    for p in argv[1:]:
        _remove(c, _PATTERNS, p, True)


def publish(server, channel: bytes, message: bytes) -> int:
    """Deliver to channel subscribers, then to pattern subscribers; returns the number of deliveries."""
    n = 0
    subs = server.pubsub_channels.get(channel)
    if subs:
        for s in subs:
            w = s.w
            w.push(3)
            w.bulk(b"message")
            w.bulk(channel)
            w.bulk(message)
            server.pending_write(s)
            n += 1
    if server.pubsub_patterns:
        for pattern, subs in list(server.pubsub_patterns.items()):
            if string_match(pattern, channel):
                for s in subs:
                    w = s.w
                    w.push(4)
                    w.bulk(b"pmessage")
                    w.bulk(pattern)
                    w.bulk(channel)
                    w.bulk(message)
                    server.pending_write(s)
                    n += 1
    return n


@command("publish", 3, "pubsub loading stale fast", group=G, summary="Post a message to a channel",
         since="2.0.0", acl="@pubsub @fast", tips="")
def publish_command(c, argv):
    c.w.integer(publish(c.server, argv[1], argv[2]))


container("pubsub", G, "Inspect the Pub/Sub state", since="2.8.0")


@command("channels", -2, "pubsub loading stale", parent="pubsub", summary="Active channels", since="2.8.0",
         acl="@pubsub @slow")
def pubsub_channels_command(c, argv):
    pattern = argv[2] if len(argv) > 2 else None
    names = [ch for ch in c.server.pubsub_channels if pattern is None or string_match(pattern, ch)]
    c.w.bulks(names)


@command("numsub", -2, "pubsub loading stale", parent="pubsub", summary="Subscriber counts of channels",
         since="2.8.0",
         acl="@pubsub @slow")
def pubsub_numsub_command(c, argv):
    w = c.w
    w.array((len(argv) - 2) * 2)   # a flat array even in RESP3, as Redis 7.0 answers
    for ch in argv[2:]:
        w.bulk(ch)
        w.integer(len(c.server.pubsub_channels.get(ch, ())))


@command("numpat", 2, "pubsub loading stale", parent="pubsub", summary="Number of subscribed patterns",
         since="2.8.0",
         acl="@pubsub @slow")
def pubsub_numpat_command(c, argv):
    c.w.integer(len(c.server.pubsub_patterns))


PUBSUB_HELP = [
    "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CHANNELS [<pattern>]",
    "    The channels with at least one subscriber, optionally only those matching <pattern>.",
    "NUMPAT",
    "    The number of subscribed patterns.",
    "NUMSUB [<channel> ...]",
    "    The number of subscribers of each channel.",
    "HELP",
    "    This help.",
]


@command("help", 2, "loading stale", parent="pubsub", summary="Help for PUBSUB", since="6.2.0", acl="@slow")
def pubsub_help_command(c, argv):
    reply_help(c, PUBSUB_HELP)
