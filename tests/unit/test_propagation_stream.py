"""Stream commands through the sans-IO core: what leaves through the propagation hook is Redis 7.0's replayable
form (generated IDs written out, `~` trimming turned into `=` with its result, consumer-group reads and claims as
XCLAIM ... FORCE JUSTID LASTID and XGROUP SETID), and replaying it on another server rebuilds the same stream."""
import time

import pytest

from kvs.client import FAKE, NORMAL
from tests.unit.sansio import Core as _Core


def Core(kind=NORMAL):
    """Stream commands behave differently for normal clients and the master link/AOF loader."""
    return _Core(kind=kind, with_db=False)



def b(*args):
    return [a if isinstance(a, bytes) else str(a).encode() for a in args]


@pytest.fixture
def core():
    return Core()


def now_ms():
    return int(time.time() * 1000)


def test_explicit_ids_propagate_verbatim(core):
    core("XADD", "s", "1-1", "f", "v")
    core("XADD", "s", "MAXLEN", "5", "2-0", "f", "v")
    core("XADD", "s", "MINID", "=", "1", "3-0", "f", "v")
    assert core.take() == [b("XADD", "s", "1-1", "f", "v"), b("XADD", "s", "MAXLEN", "5", "2-0", "f", "v"),
                           b("XADD", "s", "MINID", "=", "1", "3-0", "f", "v")]


def test_generated_ids_are_written_out(core):
    before = now_ms()
    reply = core("XADD", "s", "*", "f", "v")
    after = now_ms()
    xid = reply.split(b"\r\n")[1]
    (argv,) = core.take()
    assert argv == b("XADD", "s", xid, "f", "v")
    assert before <= int(xid.split(b"-")[0]) <= after
    core("XADD", "s", f"{after + 10**6}-*", "f", "v")
    core("XADD", "s", f"{after + 10**6}-*", "f", "v")
    assert core.take() == [b("XADD", "s", f"{after + 10**6}-0", "f", "v"),
                           b("XADD", "s", f"{after + 10**6}-1", "f", "v")]


def test_failed_and_refused_writes_do_not_propagate(core):
    core("XADD", "s", "5-0", "f", "v")
    core.take()
    core("XADD", "s", "4-0", "f", "v")
    core("XADD", "s", "0-0", "f", "v")
    core("XADD", "nokey", "NOMKSTREAM", "*", "f", "v")
    core("XDEL", "s", "1-0")
    core("XTRIM", "s", "MAXLEN", "5")
    core("XTRIM", "s", "MAXLEN", "~", "1")
    core("XACK", "s", "g", "5-0")
    core("XGROUP", "DESTROY", "s", "nog")
    assert core.take() == []


def test_approximate_trimming_propagates_exact_result(core):
    for i in range(1, 251):
        core("XADD", "s", f"{i}-0", "f", "v")
    core.take()
    core("XADD", "s", "MAXLEN", "~", "120", "251-0", "f", "v")
    core("XTRIM", "s", "MINID", "~", "240")
    core("XADD", "s", "MAXLEN", "~", "1", "LIMIT", "1000", "*", "f", "v")
    fed = core.take()
    # 251 entries in nodes of 100: the first node goes, 151 are left.
    assert fed[0] == b("XADD", "s", "MAXLEN", "=", "151", "251-0", "f", "v")
    # MINID ~ removes the second node; what remains starts at the third node's first ID.
    assert fed[1] == b("XTRIM", "s", "MINID", "=", "201-0")
    assert fed[2][:5] == b("XADD", "s", "MAXLEN", "=", "52") and fed[2][5:7] == b("LIMIT", "1000")
    assert fed[2][8:] == b("f", "v")


def test_exact_trimming_propagates_verbatim(core):
    for i in range(1, 11):
        core("XADD", "s", f"{i}-0", "f", "v")
    core.take()
    core("XTRIM", "s", "MAXLEN", "=", "4")
    core("XTRIM", "s", "MINID", "9")
    core("XDEL", "s", "9-0", "10-0", "11-0")
    assert core.take() == [b("XTRIM", "s", "MAXLEN", "=", "4"), b("XTRIM", "s", "MINID", "9"),
                           b("XDEL", "s", "9-0", "10-0", "11-0")]


def _xclaim(key, group, consumer, xid, delivery_time, count, last_id):
    return b("XCLAIM", key, group, consumer, "0", xid, "TIME", delivery_time, "RETRYCOUNT", count, "FORCE", "JUSTID",
             "LASTID", last_id)


def test_xreadgroup_propagates_xclaims_in_a_transaction(core):
    for i in range(1, 4):
        core("XADD", "s", f"{i}-0", "f", "v")
    core("XGROUP", "CREATE", "s", "g", "0")
    core.take()
    before = now_ms()
    core("XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">")
    after = now_ms()
    fed = core.take()
    assert fed[0] == [b"MULTI"] and fed[-1] == [b"EXEC"] and len(fed) == 4
    t = int(fed[1][7])
    assert before <= t <= after
    assert fed[1:3] == [_xclaim("s", "g", "alice", "1-0", t, 1, "1-0"), _xclaim("s", "g", "alice", "2-0", t, 1, "2-0")]
    # One entry: no transaction around it.
    core("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">")
    (one,) = core.take()
    assert one[:6] == b("XCLAIM", "s", "g", "bob", "0", "3-0") and one[-2:] == b("LASTID", "3-0")
    # Reading history, reading nothing new: nothing to replicate (7.0 creates no consumer either).
    core("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0")
    core("XREADGROUP", "GROUP", "g", "carol", "STREAMS", "s", ">")
    assert core.take() == []


def test_xreadgroup_noack_propagates_consumer_and_group_id(core):
    for i in range(1, 4):
        core("XADD", "s", f"{i}-0", "f", "v")
    core("XGROUP", "CREATE", "s", "g", "0")
    core.take()
    core("XREADGROUP", "GROUP", "g", "alice", "NOACK", "COUNT", "2", "STREAMS", "s", ">")
    assert core.take() == [[b"MULTI"], b("XGROUP", "CREATECONSUMER", "s", "g", "alice"),
                           b("XGROUP", "SETID", "s", "g", "2-0", "ENTRIESREAD", "2"), [b"EXEC"]]
    core("XREADGROUP", "GROUP", "g", "alice", "NOACK", "STREAMS", "s", ">")
    assert core.take() == [b("XGROUP", "SETID", "s", "g", "3-0", "ENTRIESREAD", "3")]
    core("XREADGROUP", "GROUP", "g", "bob", "NOACK", "STREAMS", "s", "0")   # history: only the new consumer
    assert core.take() == [b("XGROUP", "CREATECONSUMER", "s", "g", "bob")]


def test_xreadgroup_over_several_streams(core):
    core("XADD", "a", "1-0", "f", "v")
    core("XADD", "b", "1-0", "f", "v")
    core("XGROUP", "CREATE", "a", "g", "0")
    core("XGROUP", "CREATE", "b", "g", "0")
    core.take()
    core("XREADGROUP", "GROUP", "g", "c", "STREAMS", "a", "b", ">", ">")
    fed = core.take()
    assert [argv[:6] for argv in fed[1:-1]] == [b("XCLAIM", "a", "g", "c", "0", "1-0"),
                                               b("XCLAIM", "b", "g", "c", "0", "1-0")]


def test_xclaim_propagation(core):
    for i in range(1, 5):
        core("XADD", "s", f"{i}-0", "f", "v")
    core("XGROUP", "CREATE", "s", "g", "0")
    core("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">")
    core.take()
    # The ID argument goes out as given; TIME/RETRYCOUNT carry the NACK's new state.
    core("XCLAIM", "s", "g", "bob", "0", "1", "2-0", "TIME", "1000", "RETRYCOUNT", "9", "JUSTID")
    assert core.take() == [[b"MULTI"], _xclaim("s", "g", "bob", "1", 1000, 9, "4-0"),
                           _xclaim("s", "g", "bob", "2-0", 1000, 9, "4-0"), [b"EXEC"]]
    # Not pending and no FORCE, or too recently delivered: nothing.
    core("XCLAIM", "s", "g", "bob", "0", "9-0")
    core("XCLAIM", "s", "g", "bob", "3600000", "3-0")
    assert core.take() == []
    # Only LASTID moved the group: that goes out as XGROUP SETID.
    core("XCLAIM", "s", "g", "bob", "0", "9-0", "LASTID", "50-0")
    assert core.take() == [b("XGROUP", "SETID", "s", "g", "50-0", "ENTRIESREAD", "4")]
    # A pending entry deleted from the stream leaves the PEL: replicated with its old owner and state.
    core("XDEL", "s", "3-0")
    core.take()
    core("XCLAIM", "s", "g", "carol", "0", "3-0", "JUSTID")
    (argv,) = core.take()
    assert argv[:6] == b("XCLAIM", "s", "g", "alice", "0", "3-0") and argv[8:10] == b("RETRYCOUNT", "1")


def test_xautoclaim_propagation(core):
    for i in range(1, 5):
        core("XADD", "s", f"{i}-0", "f", "v")
    core("XGROUP", "CREATE", "s", "g", "0")
    core("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">")
    core("XDEL", "s", "2-0")
    core.take()
    core("XAUTOCLAIM", "s", "g", "bob", "0", "0", "COUNT", "2")
    fed = core.take()
    assert fed[0] == [b"MULTI"] and fed[-1] == [b"EXEC"]
    assert fed[1][:6] == b("XCLAIM", "s", "g", "bob", "0", "1-0") and fed[1][8:10] == b("RETRYCOUNT", "2")
    assert fed[2][:6] == b("XCLAIM", "s", "g", "alice", "0", "2-0")      # deleted: dropped, old owner
    core("XAUTOCLAIM", "s", "g", "bob", "3600000", "0")
    assert core.take() == []


def test_group_commands_propagate_verbatim_when_they_change_something(core):
    core("XADD", "s", "1-0", "f", "v")
    core.take()
    cmds = [("XGROUP", "CREATE", "s", "g", "$"), ("XGROUP", "CREATE", "n", "g", "0", "MKSTREAM"),
            ("XGROUP", "SETID", "s", "g", "0", "ENTRIESREAD", "0"), ("XGROUP", "CREATECONSUMER", "s", "g", "c"),
            ("XGROUP", "DELCONSUMER", "s", "g", "c"), ("XGROUP", "DESTROY", "s", "g"),
            ("XSETID", "s", "5-0", "ENTRIESADDED", "9", "MAXDELETEDID", "2-0")]
    for cmd in cmds:
        core(*cmd)
    # Repeats that change nothing stay local.
    core("XGROUP", "CREATE", "s", "h", "0")
    core("XGROUP", "CREATECONSUMER", "s", "h", "c")
    core.take()
    core("XGROUP", "CREATECONSUMER", "s", "h", "c")
    core("XGROUP", "DELCONSUMER", "s", "h", "nobody")
    core("XGROUP", "DESTROY", "s", "nog")
    core("XGROUP", "CREATE", "s", "h", "0")
    assert core.take() == []
    core("XREADGROUP", "GROUP", "h", "c", "STREAMS", "s", ">")
    core.take()
    core("XACK", "s", "h", "1-0", "7-0")
    assert core.take() == [b("XACK", "s", "h", "1-0", "7-0")]


def test_transaction_wraps_stream_writes_once(core):
    core("XADD", "s", "1-0", "f", "v")
    core("XGROUP", "CREATE", "s", "g", "0")
    core.take()
    core("MULTI")
    core("XADD", "s", "2-0", "f", "v")
    core("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")
    core("EXEC")
    fed = core.take()
    assert fed[0] == [b"MULTI"] and fed[-1] == [b"EXEC"]
    assert fed[1] == b("XADD", "s", "2-0", "f", "v")
    assert [argv[5] for argv in fed[2:-1]] == [b"1-0", b"2-0"]
    assert fed.count([b"MULTI"]) == 1


def test_master_and_aof_clients_apply_limit_without_tilde():
    """What a master sends after a `~ ... LIMIT` rewrite is `= n LIMIT m`: replicas apply it whole."""
    replica = Core(kind=FAKE)
    for i in range(1, 30):
        replica("XADD", "s", f"{i}-0", "f", "v")
    assert replica("XADD", "s", "MAXLEN", "=", "3", "LIMIT", "1", "30-0", "f", "v") == b"$4\r\n30-0\r\n"
    assert replica("XLEN", "s") == b":3\r\n"
    normal = Core()
    assert normal("XADD", "s", "MAXLEN", "=", "3", "LIMIT", "1", "30-0", "f", "v") == \
        b"-ERR syntax error, LIMIT cannot be used without the special ~ option\r\n"


def test_replaying_the_feed_rebuilds_the_stream(core):
    """Apply everything that was propagated to a replica: stream, groups, PELs and counters match."""
    script = [("CONFIG", "SET", "stream-node-max-entries", "3")]
    for i in range(1, 40):
        script.append(("XADD", "s", "MAXLEN", "~", "25", f"{i}-*" if i % 7 == 0 else f"{i}-{i % 2}", "f", str(i)))
    script += [("XDEL", "s", "20-0", "21-1"), ("XGROUP", "CREATE", "s", "g", "0"), ("XGROUP", "CREATE", "s", "n", "0"),
               ("XREADGROUP", "GROUP", "g", "alice", "COUNT", "5", "STREAMS", "s", ">"),
               ("XREADGROUP", "GROUP", "g", "bob", "COUNT", "5", "STREAMS", "s", ">"),
               ("XREADGROUP", "GROUP", "n", "nina", "NOACK", "COUNT", "4", "STREAMS", "s", ">"),
               ("XACK", "s", "g", "24-0"),
               ("XCLAIM", "s", "g", "carol", "0", "25-1", "26-0", "TIME", "12345", "RETRYCOUNT", "4"),
               ("XDEL", "s", "27-1"),
               ("XAUTOCLAIM", "s", "g", "dave", "0", "0", "COUNT", "3"),
               ("XTRIM", "s", "MINID", "~", "30"), ("XADD", "s", "*", "f", "now"),
               ("XSETID", "s", "99999999999999-0")]
    replica = Core(kind=FAKE)
    replica("CONFIG", "SET", "stream-node-max-entries", "3")
    for cmd in script:
        core(*cmd)
    for argv in core.take():
        if argv[0] not in (b"MULTI", b"EXEC"):
            replica(*argv)

    def state(c):
        s = c.server.dbs[0].keys[b"s"]
        groups = {}
        for name, g in s.groups.items():
            # Not entries_read: in 7.0 the XCLAIM ... LASTID that replicates a read moves a replica's group
            # without its read counter (only NOACK reads send XGROUP SETID ... ENTRIESREAD).
            groups[name] = (g.last_id,
                            {x: (n.consumer.name, n.delivery_count, n.delivery_time) for x, n in g.pel.map.items()},
                            {cn: sorted(cons.pel.map) for cn, cons in g.consumers.items()})
        return (list(s.range(0, (1 << 128) - 1)), s.length, s.last_id, s.first_id, s.max_deleted, s.entries_added,
                groups, c("XINFO", "STREAM", "s"))

    assert state(core) == state(replica)
    assert core.server.dbs[0].keys[b"s"].groups[b"n"].entries_read == \
        replica.server.dbs[0].keys[b"s"].groups[b"n"].entries_read
