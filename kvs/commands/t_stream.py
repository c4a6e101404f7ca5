"""Stream commands (Redis's t_stream.c), with Redis 7.0's replies, errors and propagation.

The entry store
---------------
Redis keeps a stream as a radix tree of listpack "nodes", each holding a run of consecutive entries. Several of
7.0's observable behaviours follow from that layout, not just from the set of entries: `~` trimming removes whole
nodes only (so XLEN after `XTRIM s MAXLEN ~ n` depends on where nodes begin), LIMIT counts the live entries of
whole nodes, XDEL of a node's last live entry drops the node, and XINFO STREAM reports radix-tree-keys and
radix-tree-nodes. So kvs keeps the same nodes:

- `StreamValue.nodes` is the ordered list of `_Node`s and `StreamValue.starts` the first (master) ID of each.
  A node holds parallel lists: entry IDs (ascending, deleted ones included, as Redis keeps tombstones inside a
  listpack), the flat field/value tuples, and a bytearray of tombstone flags.
- Lookup by ID is a bisect over `starts`, then a bisect inside the node: O(log n). XDEL only flags a tombstone
  (nothing shifts); trimming removes whole leading nodes (a slice of the node list) or flags tombstones in the
  first node, as Redis does.
- Where a new node begins is decided with Redis's rule (the tail node is full once it holds
  stream-node-max-entries entries, live or deleted, or once its listpack plus the new entry's strings would
  reach stream-node-max-bytes). For the byte rule every node tracks the size its listpack has in Redis, computed
  from listpack's element encodings (small integers in 1-9 bytes, strings with a 1/2/5-byte header, plus a
  back-length), so node boundaries, and with them `~` trimming, match Redis exactly.
- IDs are Python ints, ms << 64 | seq: they compare in stream order and bisect directly.

Consumer groups keep what RDB will need: last delivered ID and entries_read per group, a PEL of NACKs (delivery
time and count, owning consumer) kept both in the group and in the owning consumer, each as a dict plus the IDs in
sorted chunks (ordered scans for XPENDING/XAUTOCLAIM, cheap removal of the oldest on XACK), and consumers with their
seen-time. The stream keeps last ID, entries_added, max_deleted_entry_id and the recorded first ID.

Blocking: XREAD/XREADGROUP parse BLOCK (ReadRequest.timeout: an absolute unix-ms deadline, 0 for forever, -1
without BLOCK). `parse_read` resolves `$` and the groups once; `serve_reads(c, request)` answers what is available
and returns False (writing nothing) otherwise, and the client then waits in kvs.blocking, which runs the command
again - with `$` replaced by the IDs resolved at the first attempt - when a write touches one of its streams.
"""
import time
from bisect import bisect_left, bisect_right, insort

from kvs import errors
from kvs._core.numbers import lp_int_size, lp_str_size, lp_strs_size, parse_int
from kvs.blocking import block
from kvs.client import NORMAL
from kvs.commands.args import LLONG_MAX, int_arg
from kvs.commands.table import command, container
from kvs.db import now_ms
from kvs.errors import CommandError

G = "stream"

U64 = (1 << 64) - 1
MAX_ID = (U64 << 64) | U64          # also stands for ">" in XREADGROUP, as in Redis
INVALID_ENTRIES_READ = -1           # SCG_INVALID_ENTRIES_READ: the group's read counter is unknown
LP_MAX_SIZE = 1 << 30               # STREAM_LISTPACK_MAX_SIZE

E_INVALID_ID = "ERR Invalid stream ID specified as stream command argument"
E_BAD_START = "ERR invalid start ID for the interval"
E_BAD_END = "ERR invalid end ID for the interval"

TRIM_NONE, TRIM_MAXLEN, TRIM_MINID = 0, 1, 2


def fmt_id(xid: int) -> bytes:
    return b"%d-%d" % (xid >> 64, xid & U64)


# -- ID parsing (streamGenericParseIDOrReply) ---------------------------------------------------------------------
_C_SPACE = b" \t\n\v\f\r"


def _strict_int(s: bytes):
    """Redis's string2ll: optional '-', no leading zeros or spaces, fits a signed 64-bit integer; else None."""
    n = len(s)
    if n == 0 or n > 20:
        return None
    if s[0] == 45:  # '-'
        d = s[1:]
        if not d or not d.isdigit() or d[0] == 48:
            return None
        v = -int(d)
        return v if v >= -(1 << 63) else None
    if not s.isdigit():
        return None
    if s[0] == 48:
        return 0 if n == 1 else None
    v = int(s)
    return v if v < (1 << 63) else None


def _string2ull(s: bytes):
    """Redis's string2ull: string2ll when that parses (negative is an error), else strtoull's grammar (leading
    spaces, a sign - a '-' wraps around -, leading zeros) which must consume the whole string."""
    v = _strict_int(s)
    if v is not None:
        return v if v >= 0 else None
    n = len(s)
    i = 0
    while i < n and s[i] in _C_SPACE:
        i += 1
    neg = False
    if i < n and s[i] in b"+-":
        neg = s[i] == 45
        i += 1
    j = i
    while j < n and 48 <= s[j] <= 57:
        j += 1
    if j == i or j != n:
        return None
    v = int(s[i:j])
    if v > U64:
        return None
    return (-v) & U64 if neg else v


def parse_id(arg: bytes, missing_seq: int = 0, strict: bool = False, star_seq: bool = False):
    """`<ms>[-<seq>]`, or '-'/'+' unless strict. With star_seq, `<ms>-*` is accepted and the result is
    (id, seq_given); otherwise just the id. Raises the invalid-ID error."""
    if len(arg) > 127:
        raise CommandError(E_INVALID_ID)
    nul = arg.find(b"\0")
    buf = arg if nul < 0 else arg[:nul]   # Redis parses a C string
    if buf == b"-" or buf == b"+":
        if strict:
            raise CommandError(E_INVALID_ID)
        xid = 0 if buf == b"-" else MAX_ID
        return (xid, True) if star_seq else xid
    dash = buf.find(b"-")
    ms = _string2ull(buf if dash < 0 else buf[:dash])
    if ms is None:
        raise CommandError(E_INVALID_ID)
    seq_given = True
    if dash < 0:
        seq = missing_seq
    else:
        tail = buf[dash + 1:]
        if star_seq and tail == b"*":
            seq, seq_given = 0, False
        else:
            seq = _string2ull(tail)
            if seq is None:
                raise CommandError(E_INVALID_ID)
    xid = (ms << 64) | seq
    return (xid, seq_given) if star_seq else xid


def parse_interval_id(arg: bytes, missing_seq: int):
    """A range bound: '(' makes it exclusive (and strict). Returns (id, exclusive)."""
    if len(arg) > 1 and arg[0] == 40:  # '('
        return parse_id(arg[1:], missing_seq, strict=True), True
    return parse_id(arg, missing_seq), False


def parse_range(start_arg: bytes, end_arg: bytes):
    """Inclusive [start, end] from XRANGE-style bounds (exclusive ones moved by one ID)."""
    start, ex = parse_interval_id(start_arg, 0)
    if ex:
        if start == MAX_ID:
            raise CommandError(E_BAD_START)
        start = _incr_id(start)
    end, ex = parse_interval_id(end_arg, U64)
    if ex:
        if end == 0:
            raise CommandError(E_BAD_END)
        end = _decr_id(end)
    return start, end


def _incr_id(xid: int) -> int:
    """streamIncrID (the caller handles MAX_ID)."""
    return xid + 1 if (xid & U64) != U64 else ((xid >> 64) + 1) << 64


def _decr_id(xid: int) -> int:
    """streamDecrID (the caller handles 0-0)."""
    return xid - 1 if xid & U64 else (((xid >> 64) - 1) << 64) | U64


# -- listpack sizes -----------------------------------------------------------------------------------------------
_lp_int_size = lp_int_size
_lp_str_size = lp_str_size


def _i64(v: int) -> int:
    """Two's complement wrap to int64 (the ID deltas are stored as int64)."""
    v &= U64
    return v - (1 << 64) if v >> 63 else v


class _Node:
    """One listpack node. `body` is its Redis byte size without the live/deleted counters."""
    __slots__ = ("ids", "items", "dead", "live", "ndel", "fields", "body")

    def __init__(self, fields: tuple):
        self.ids = []
        self.items = []
        self.dead = bytearray()
        self.live = 0
        self.ndel = 0
        self.fields = fields
        # header(6) + end(1) + master num-fields + master fields + master terminator(0)
        self.body = 7 + _lp_int_size(len(fields)) + lp_strs_size(fields) + 2

    def lp_bytes(self) -> int:
        return self.body + _lp_int_size(self.live) + _lp_int_size(self.ndel)

    def copy(self):
        n = _Node.__new__(_Node)
        n.ids = list(self.ids)
        n.items = list(self.items)
        n.dead = bytearray(self.dead)
        n.live, n.ndel, n.fields, n.body = self.live, self.ndel, self.fields, self.body
        return n


# -- consumer groups --------------------------------------------------------------------------------------------
class _Pel:
    """Pending entries by ID (Redis's PEL rax): a dict for lookups, plus the IDs in sorted chunks so that
    inserting and removing anywhere (consumers usually acknowledge the oldest first) costs O(log n + chunk)."""
    __slots__ = ("map", "chunks", "maxes")
    CHUNK = 512

    def __init__(self):
        self.map = {}
        self.chunks = []     # sorted lists of IDs, each non-empty, in order
        self.maxes = []      # the last ID of each chunk

    def __len__(self):
        return len(self.map)

    def add(self, xid: int, nack) -> None:
        self.map[xid] = nack
        chunks = self.chunks
        maxes = self.maxes
        if not chunks:
            chunks.append([xid])
            maxes.append(xid)
            return
        i = bisect_left(maxes, xid)
        if i == len(chunks):
            i -= 1
            chunks[i].append(xid)
            maxes[i] = xid
        else:
            insort(chunks[i], xid)
        chunk = chunks[i]
        if len(chunk) > 2 * self.CHUNK:
            half = len(chunk) >> 1
            chunks.insert(i + 1, chunk[half:])
            del chunk[half:]
            maxes.insert(i, chunk[-1])

    def remove(self, xid: int) -> None:
        del self.map[xid]
        maxes = self.maxes
        i = bisect_left(maxes, xid)
        chunk = self.chunks[i]
        del chunk[bisect_left(chunk, xid)]
        if not chunk:
            del self.chunks[i]
            del maxes[i]
        else:
            maxes[i] = chunk[-1]

    def first(self) -> int:
        return self.chunks[0][0]

    def last(self) -> int:
        return self.maxes[-1]

    def ceil(self, xid: int):
        """The smallest pending ID >= xid, or None."""
        i = bisect_left(self.maxes, xid)
        if i == len(self.chunks):
            return None
        chunk = self.chunks[i]
        return chunk[bisect_left(chunk, xid)]

    def iter_from(self, xid: int = 0):
        """Pending IDs >= xid in order (the set must not change meanwhile)."""
        chunks = self.chunks
        i = bisect_left(self.maxes, xid)
        if i == len(chunks):
            return
        chunk = chunks[i]
        yield from chunk[bisect_left(chunk, xid):]
        for chunk in chunks[i + 1:]:
            yield from chunk

    def copy_ids_from(self, other) -> None:
        self.chunks = [list(ch) for ch in other.chunks]
        self.maxes = list(other.maxes)


class Nack:
    """A delivered, not yet acknowledged entry: delivery time (unix ms), delivery count, owner."""
    __slots__ = ("delivery_time", "delivery_count", "consumer")

    def __init__(self, delivery_time: int, delivery_count: int, consumer):
        self.delivery_time = delivery_time
        self.delivery_count = delivery_count
        self.consumer = consumer


class Consumer:
    __slots__ = ("name", "seen_time", "pel")

    def __init__(self, name: bytes, seen_time: int):
        self.name = name
        self.seen_time = seen_time
        self.pel = _Pel()


class Group:
    __slots__ = ("last_id", "entries_read", "pel", "consumers")

    def __init__(self, last_id: int, entries_read: int):
        self.last_id = last_id
        self.entries_read = entries_read
        self.pel = _Pel()
        self.consumers = {}

    def create_consumer(self, name: bytes, now: int) -> Consumer:
        consumer = self.consumers[name] = Consumer(name, now)
        return consumer

    def drop_nack(self, xid: int, nack: Nack) -> None:
        self.pel.remove(xid)
        if nack.consumer is not None:
            nack.consumer.pel.remove(xid)


# -- the stream value ---------------------------------------------------------------------------------------------
class StreamValue:
    TYPE_NAME = "stream"
    __slots__ = ("nodes", "starts", "length", "last_id", "first_id", "max_deleted", "entries_added", "groups",
                 "ordered", "_rax_nodes")

    def __init__(self):
        self.nodes = []
        self.starts = []
        self.length = 0
        self.last_id = 0
        self.first_id = 0
        self.max_deleted = 0          # max_deleted_entry_id
        self.entries_added = 0
        self.groups = None            # name -> Group, created on demand as in Redis
        # True while IDs increase strictly in storage order, tombstones included, so bisection finds entries.
        # XSETID may move the last ID below a deleted entry; what is added next then sits after a greater ID, and
        # like Redis (which scans its listpacks in order) lookups switch to ordered scans.
        self.ordered = True
        self._rax_nodes = None        # cached rax_nodes(), dropped whenever the node list changes

    def __len__(self):
        return self.length

    def encoding(self, config=None) -> str:
        return "stream"

    def copy(self):
        s = StreamValue()
        s.nodes = [n.copy() for n in self.nodes]
        s.starts = list(self.starts)
        s.length, s.last_id, s.first_id = self.length, self.last_id, self.first_id
        s.max_deleted, s.entries_added, s.ordered = self.max_deleted, self.entries_added, self.ordered
        if self.groups is not None:
            s.groups = {}
            for name, g in self.groups.items():
                ng = s.groups[name] = Group(g.last_id, g.entries_read)
                nacks = {}
                for xid, old in g.pel.map.items():
                    nacks[xid] = Nack(old.delivery_time, old.delivery_count, None)
                ng.pel.map = nacks
                ng.pel.copy_ids_from(g.pel)
                for cname, cons in g.consumers.items():
                    nc = ng.consumers[cname] = Consumer(cname, cons.seen_time)
                    for xid in cons.pel.map:
                        nack = nacks[xid]
                        nack.consumer = nc
                        nc.pel.map[xid] = nack
                    nc.pel.copy_ids_from(cons.pel)
        return s

    # -- entries ---------------------------------------------------------------------------------------------------
    def append(self, xid: int, flat: tuple, max_entries: int, max_bytes: int) -> None:
        """streamAppendItem once the ID is known to be valid: into the tail node, or a new one when full."""
        nodes = self.nodes
        node = nodes[-1] if nodes else None
        if node is not None:
            limit = max_bytes if 0 < max_bytes <= LP_MAX_SIZE else LP_MAX_SIZE
            if node.lp_bytes() + sum(map(len, flat)) >= limit:
                node = None
            elif max_entries and node.live + node.ndel >= max_entries:
                node = None
        if nodes and xid <= nodes[-1].ids[-1]:
            self.ordered = False
        nfields = len(flat) >> 1
        if node is None:
            node = _Node(flat[0::2])
            # The radix tree keeps nodes in master-ID order (only an out-of-order stream can put one before the tail).
            at = bisect_right(self.starts, xid)
            nodes.insert(at, node)
            self.starts.insert(at, xid)
            self._rax_nodes = None
            same = True
            master = xid
        else:
            same = flat[0::2] == node.fields
            master = node.ids[0]
        size = (2 + _lp_int_size(_i64((xid >> 64) - (master >> 64))) + _lp_int_size(_i64((xid & U64) - (master & U64)))
                + lp_strs_size(flat[1::2]))
        lp_count = nfields + 3
        if not same:
            size += _lp_int_size(nfields) + lp_strs_size(flat[0::2])
            lp_count += nfields + 1
        node.body += size + _lp_int_size(lp_count)
        node.ids.append(xid)
        node.items.append(flat)
        node.dead.append(0)
        node.live += 1
        self.length += 1
        self.entries_added += 1
        self.last_id = xid
        if self.length == 1:
            self.first_id = xid

    def _find_live(self, xid: int):
        """(node index, entry index) of the live entry with this ID, or (-1, -1)."""
        if not self.ordered:
            for ni, k, found in self._scan(xid, xid, False):
                return (ni, k) if found == xid else (-1, -1)
            return -1, -1
        ni = bisect_right(self.starts, xid) - 1
        if ni < 0:
            return -1, -1
        node = self.nodes[ni]
        ids = node.ids
        k = bisect_left(ids, xid)
        if k == len(ids) or ids[k] != xid or node.dead[k]:
            return -1, -1
        return ni, k

    def _scan(self, start: int, end: int, rev: bool):
        """Redis's stream iterator over storage order: seek the last node whose master ID is <= the bound
        (else the first/last node), skip tombstones and entries outside the bound, stop at the first live entry
        past the other bound. Yields (node index, entry index, id)."""
        nodes = self.nodes
        if not rev:
            ni = max(bisect_right(self.starts, start) - 1, 0) if start else 0
            for ni in range(ni, len(nodes)):
                node = nodes[ni]
                dead = node.dead
                for k, xid in enumerate(node.ids):
                    if xid >= start and not dead[k]:
                        if xid > end:
                            return
                        yield ni, k, xid
        else:
            ni = bisect_right(self.starts, end) - 1 if end else -1
            if ni < 0:
                ni = len(nodes) - 1
            for ni in range(ni, -1, -1):
                node = nodes[ni]
                dead = node.dead
                ids = node.ids
                for k in range(len(ids) - 1, -1, -1):
                    xid = ids[k]
                    if xid <= end and not dead[k]:
                        if xid < start:
                            return
                        yield ni, k, xid

    def get(self, xid: int):
        """The field/value tuple of a live entry, or None."""
        ni, k = self._find_live(xid)
        return None if ni < 0 else self.nodes[ni].items[k]

    def delete(self, xid: int) -> bool:
        """streamDeleteItem: flag a tombstone, or drop the node with its last live entry."""
        ni, i = self._find_live(xid)
        if ni < 0:
            return False
        node = self.nodes[ni]
        if node.live == 1:
            del self.nodes[ni]
            del self.starts[ni]
            self._rax_nodes = None
            if not self.nodes:
                self.ordered = True
        else:
            node.dead[i] = 1
            node.live -= 1
            node.ndel += 1
        self.length -= 1
        return True

    def range(self, start: int, end: int):
        """Live entries with start <= id <= end, ascending, as (id, items)."""
        nodes = self.nodes
        if not self.ordered:
            for ni, k, xid in self._scan(start, end, False):
                yield xid, nodes[ni].items[k]
            return
        ni = bisect_right(self.starts, start) - 1
        if ni < 0:
            ni = 0
        while ni < len(nodes):
            node = nodes[ni]
            ids = node.ids
            dead = node.dead
            items = node.items
            for k in range(bisect_left(ids, start), len(ids)):
                xid = ids[k]
                if xid > end:
                    return
                if not dead[k]:
                    yield xid, items[k]
            ni += 1

    def revrange(self, start: int, end: int):
        """Live entries with start <= id <= end, descending."""
        nodes = self.nodes
        if not self.ordered:
            for ni, k, xid in self._scan(start, end, True):
                yield xid, nodes[ni].items[k]
            return
        ni = bisect_right(self.starts, end) - 1
        while ni >= 0:
            node = nodes[ni]
            ids = node.ids
            dead = node.dead
            items = node.items
            for k in range(bisect_right(ids, end) - 1, -1, -1):
                xid = ids[k]
                if xid < start:
                    return
                if not dead[k]:
                    yield xid, items[k]
            ni -= 1

    def first_live_id(self) -> int:
        """streamGetEdgeID(first, skip tombstones): MAX_ID when empty."""
        for node in self.nodes:
            k = node.dead.find(0)
            if k >= 0:
                return node.ids[k]
        return MAX_ID

    def last_live_id(self) -> int:
        """streamLastValidID: 0 when empty."""
        for node in reversed(self.nodes):
            k = node.dead.rfind(0)
            if k >= 0:
                return node.ids[k]
        return 0

    def first_stored_id(self) -> int:
        """streamGetEdgeID(first, tombstones included)."""
        return self.nodes[0].ids[0] if self.nodes else MAX_ID

    def trim(self, strategy: int, maxlen: int, minid: int, approx: bool, limit: int) -> int:
        """streamTrim: drop whole leading nodes; unless approximate, flag tombstones in the first node left."""
        if strategy == TRIM_NONE:
            return 0
        nodes = self.nodes
        deleted = 0
        gone = 0
        while gone < len(nodes):
            if strategy == TRIM_MAXLEN and self.length <= maxlen:
                break
            node = nodes[gone]
            entries = node.live
            if limit and deleted + entries > limit:
                break
            if strategy == TRIM_MAXLEN:
                remove = self.length - entries >= maxlen
            else:
                remove = node.ids[-1] < minid
            if remove:
                gone += 1
                self.length -= entries
                deleted += entries
                continue
            if approx:
                break
            ids = node.ids
            dead = node.dead
            marked = 0
            for k in range(len(ids)):
                if strategy == TRIM_MAXLEN:
                    if self.length <= maxlen:
                        break
                elif ids[k] >= minid:
                    break
                if not dead[k]:
                    dead[k] = 1
                    marked += 1
                    self.length -= 1
            node.live -= marked
            node.ndel += marked
            deleted += marked
            break
        if gone:
            del nodes[:gone]
            del self.starts[:gone]
            self._rax_nodes = None
            if not nodes:
                self.ordered = True
        if self.length == 0:
            self.first_id = 0
        elif deleted:
            self.first_id = self.first_live_id()
        return deleted

    # -- consumer group counters (7.0) -------------------------------------------------------------------------
    def range_has_tombstones(self, start: int, end: int = MAX_ID) -> bool:
        md = self.max_deleted
        if not self.length or not md:
            return False
        if self.first_id > md:
            return False
        return start <= md <= end

    def estimate_distance(self, xid: int) -> int:
        """streamEstimateDistanceFromFirstEverEntry: the logical read counter of an ID, or -1 if unknown."""
        added = self.entries_added
        if not added:
            return 0
        if not self.length and xid <= self.last_id:
            return added
        if xid == self.last_id:
            return added
        if xid > self.last_id:
            return INVALID_ENTRIES_READ
        md = self.max_deleted
        if not md or md < self.first_id:
            if xid < self.first_id:
                return added - self.length
            if xid == self.first_id:
                return added - self.length + 1
        return INVALID_ENTRIES_READ

    def lag(self, group: Group):
        """XINFO's lag of a group, or None when it cannot be known."""
        if not self.entries_added:
            return 0
        if group.entries_read != INVALID_ENTRIES_READ and not self.range_has_tombstones(group.last_id):
            return self.entries_added - group.entries_read
        read = self.estimate_distance(group.last_id)
        if read == INVALID_ENTRIES_READ:
            return None
        return self.entries_added - read

    def rax_nodes(self) -> int:
        """The node count of Redis's radix tree over the nodes' 16-byte big-endian master IDs. Redis keeps that
        tree compressed after every insert and delete, so the count is a function of the key set: the head, one
        node per key, one per branching prefix, plus a compressed node under each branch edge that does not end at
        a key or at another branching prefix."""
        if self._rax_nodes is None:
            self._rax_nodes = self._count_rax_nodes()
        return self._rax_nodes

    def _count_rax_nodes(self) -> int:
        keys = self.starts
        n = len(keys)
        if n < 2:
            return n + 1
        branches = set()
        edges = set()
        prev = keys[0]
        for key in keys[1:]:
            depth = (128 - (prev ^ key).bit_length()) >> 3     # common prefix length in bytes
            shift = 8 * (16 - depth)
            prefix = (depth, prev >> shift)
            branches.add(prefix)
            edges.add((depth, prev >> shift, (prev >> (shift - 8)) & 0xFF))
            edges.add((depth, key >> shift, (key >> (shift - 8)) & 0xFF))
            prev = key
        count = 1 + n + len(branches) - (1 if (0, 0) in branches else 0)
        for depth, prefix, ch in edges:
            if depth + 1 < 16 and (depth + 1, (prefix << 8) | ch) not in branches:
                count += 1
        return count


# -- helpers ------------------------------------------------------------------------------------------------------
def _stream_or_none(v):
    if v is not None and type(v) is not StreamValue:
        raise CommandError(errors.WRONGTYPE)
    return v


def _nogroup(key: bytes, group: bytes) -> CommandError:
    return CommandError(b"NOGROUP No such key '" + key + b"' or consumer group '" + group + b"'")


def _nogroup_for_key(group: bytes, key: bytes) -> CommandError:
    return CommandError(b"NOGROUP No such consumer group '" + group + b"' for key name '" + key + b"'")


def _subcommand_syntax(argv) -> CommandError:
    return CommandError(b"ERR unknown subcommand or wrong number of arguments for '" + argv[1][:128] + b"'. Try "
                        + argv[0].upper() + b" HELP.")


def _must_obey(c) -> bool:
    """Commands from the master link or the AOF are applied as given (Redis's mustObeyClient)."""
    return c.kind != NORMAL


def _write_entry(w, xid: int, items) -> None:
    w.array(2)
    w.bulk(fmt_id(xid))
    w.bulks(items)


def _write_entries(w, entries) -> None:
    w.array(len(entries))
    for xid, items in entries:
        w.array(2)
        w.bulk(fmt_id(xid))
        w.bulks(items)


def _config_node_limits(c):
    values = c.server.config.values
    return values["stream-node-max-entries"], values["stream-node-max-bytes"]


# -- XADD / XTRIM -------------------------------------------------------------------------------------------------
class TrimArgs:
    __slots__ = ("strategy", "arg_idx", "approx", "limit", "maxlen", "minid", "id", "id_given", "seq_given",
                 "no_mkstream")

    def __init__(self):
        self.strategy = TRIM_NONE
        self.arg_idx = 0
        self.approx = False
        self.limit = 0
        self.maxlen = 0
        self.minid = 0
        self.id = 0
        self.id_given = False
        self.seq_given = True
        self.no_mkstream = False


def parse_add_trim(c, argv, xadd: bool):
    """streamParseAddOrTrimArgsOrReply: returns (args, index of the ID argument for XADD)."""
    a = TrimArgs()
    n = len(argv)
    i = 2
    limit_given = False
    while i < n:
        moreargs = n - 1 - i
        opt = argv[i]
        if xadd and opt == b"*":
            break
        lo = opt.lower()
        if (lo == b"maxlen" or lo == b"minid") and moreargs:
            if a.strategy != TRIM_NONE:
                raise CommandError("ERR syntax error, MAXLEN and MINID options at the same time are not compatible")
            nxt = argv[i + 1]
            a.approx = moreargs >= 2 and nxt == b"~"
            if moreargs >= 2 and (nxt == b"~" or nxt == b"="):
                i += 1
            if lo == b"maxlen":
                a.maxlen = int_arg(argv[i + 1])
                if a.maxlen < 0:
                    raise CommandError("ERR The MAXLEN argument must be >= 0.")
                a.strategy = TRIM_MAXLEN
            else:
                a.minid = parse_id(argv[i + 1], 0, strict=True)
                a.strategy = TRIM_MINID
            i += 1
            a.arg_idx = i
        elif lo == b"limit" and moreargs:
            a.limit = int_arg(argv[i + 1])
            if a.limit < 0:
                raise CommandError("ERR The LIMIT argument must be >= 0.")
            limit_given = True
            i += 1
        elif xadd and lo == b"nomkstream":
            a.no_mkstream = True
        elif xadd:
            a.id, a.seq_given = parse_id(opt, 0, strict=True, star_seq=True)
            a.id_given = True
            break
        else:
            raise CommandError(errors.SYNTAX)
        i += 1

    if a.limit and a.strategy == TRIM_NONE:
        raise CommandError("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy")
    if not xadd and a.strategy == TRIM_NONE:
        raise CommandError("ERR syntax error, XTRIM must be called with a trimming strategy")
    if _must_obey(c):
        # What a master or the AOF sends was made deterministic by the rewrite below: trim all of it.
        a.limit = 0
    elif limit_given:
        if not a.approx:
            raise CommandError("ERR syntax error, LIMIT cannot be used without the special ~ option")
    elif a.approx:
        # Bound the work of `~` to about 100 nodes (Redis computes this in a signed 64-bit integer).
        limit = _i64(100 * c.server.config["stream-node-max-entries"])
        a.limit = 10000 if limit <= 0 else min(limit, 1000000)
    else:
        a.limit = 0
    return a, i


def _rewrite_trim(prop: list, s: StreamValue, a: TrimArgs) -> None:
    """Propagate `~` trimming as `=` with what it actually left, so replicas and the AOF trim the same."""
    prop[a.arg_idx - 1] = b"="
    if a.strategy == TRIM_MAXLEN:
        prop[a.arg_idx] = b"%d" % s.length
    else:
        prop[a.arg_idx] = fmt_id(s.first_stored_id())


def next_auto_id(last_id: int) -> int:
    """streamNextID: the current time, or one past the last ID if the clock is not ahead of it."""
    ms = now_ms()
    if ms > (last_id >> 64):
        return ms << 64
    return _incr_id(last_id) if last_id != MAX_ID else 0


@command("xadd", -5, "write denyoom fast", (1, 1, 1), G, "Add an entry to a stream, creating it if needed", since="5.0.0",
         tips="nondeterministic_output")
def xadd_command(c, argv):
    a, idpos = parse_add_trim(c, argv, True)
    field_pos = idpos + 1
    nfv = len(argv) - field_pos
    if nfv < 2 or nfv % 2:
        raise errors.wrong_arity("xadd")
    if a.id_given and a.seq_given and a.id == 0:
        raise CommandError("ERR The ID specified in XADD must be greater than 0-0")
    db = c.db
    key = argv[1]
    s = _stream_or_none(db.lookup(key))
    created = False
    if s is None:
        if a.no_mkstream:
            c.w.null()
            return
        s = StreamValue()
        created = True
    last = s.last_id
    if last == MAX_ID:
        raise CommandError("ERR The stream has exhausted the last possible ID, unable to add more items")
    if not a.id_given:
        xid = next_auto_id(last)
    elif a.seq_given:
        xid = a.id
    elif (a.id >> 64) == (last >> 64):
        if (last & U64) == U64:
            # 7.0 fails this case without setting errno, so it reports the other append error.
            raise CommandError("ERR Elements are too large to be stored")
        xid = last + 1
    else:
        xid = a.id
    if xid <= last:
        raise CommandError("ERR The ID specified in XADD is equal or smaller than the target stream top item")
    flat = tuple(argv[field_pos:])
    if sum(map(len, flat)) > LP_MAX_SIZE:
        raise CommandError("ERR Elements are too large to be stored")
    max_entries, max_bytes = _config_node_limits(c)
    s.append(xid, flat, max_entries, max_bytes)
    if created:
        db.add(key, s)
    idtext = fmt_id(xid)
    c.w.bulk(idtext)
    c.server.dirty += 1
    prop = None
    if a.strategy != TRIM_NONE:
        s.trim(a.strategy, a.maxlen, a.minid, a.approx, a.limit)
        if a.approx:
            prop = list(argv)
            _rewrite_trim(prop, s, a)
    if not a.id_given or not a.seq_given:
        if prop is None:
            prop = list(argv)
        prop[idpos] = idtext
    if prop is not None:
        c.rewrite_argv(prop)


@command("xtrim", -4, "write", (1, 1, 1), G, "Shorten a stream by length or minimum ID",
         since="5.0.0", tips="nondeterministic_output")
def xtrim_command(c, argv):
    a, _ = parse_add_trim(c, argv, False)
    s = _stream_or_none(c.db.lookup(argv[1]))
    if s is None:
        c.w.integer(0)
        return
    deleted = s.trim(a.strategy, a.maxlen, a.minid, a.approx, a.limit)
    if deleted:
        if a.approx:
            prop = list(argv)
            _rewrite_trim(prop, s, a)
            c.rewrite_argv(prop)
        c.server.dirty += deleted
    c.w.integer(deleted)


# -- XDEL / XLEN / XRANGE ----------------------------------------------------------------------------------------
@command("xdel", -3, "write fast", (1, 1, 1), G, "Delete entries from a stream by ID", since="5.0.0")
def xdel_command(c, argv):
    s = _stream_or_none(c.db.lookup(argv[1]))
    if s is None:
        c.w.integer(0)
        return
    ids = [parse_id(a, 0, strict=True) for a in argv[2:]]
    deleted = 0
    first_gone = False
    for xid in ids:
        if s.delete(xid):
            if xid == s.first_id:
                first_gone = True
            if xid > s.max_deleted:
                s.max_deleted = xid
            deleted += 1
    if deleted:
        if s.length == 0:
            s.first_id = 0
        elif first_gone:
            s.first_id = s.first_live_id()
        c.server.dirty += deleted
    c.w.integer(deleted)


@command("xlen", 2, "readonly fast", (1, 1, 1), G, "Number of entries in a stream", since="5.0.0")
def xlen_command(c, argv):
    s = _stream_or_none(c.db.lookup_read(argv[1]))
    c.w.integer(0 if s is None else s.length)


def _xrange(c, argv, rev: bool):
    start, end = parse_range(argv[3], argv[2]) if rev else parse_range(argv[2], argv[3])
    count = -1
    j = 4
    n = len(argv)
    while j < n:
        if argv[j].lower() == b"count" and j + 1 < n:
            count = int_arg(argv[j + 1])
            if count < 0:
                count = 0
            j += 2
        else:
            raise CommandError(errors.SYNTAX)
    s = _stream_or_none(c.db.lookup_read(argv[1]))
    w = c.w
    if s is None:
        w.array(0)
        return
    if count == 0:
        w.null_array()
        return
    if start > end:
        w.array(0)
        return
    it = s.revrange(start, end) if rev else s.range(start, end)
    if count < 0:
        entries = list(it)
    else:
        entries = []
        for e in it:
            entries.append(e)
            if len(entries) == count:
                break
    _write_entries(w, entries)


@command("xrange", -4, "readonly", (1, 1, 1), G, "Entries of a stream between two IDs", since="5.0.0")
def xrange_command(c, argv):
    _xrange(c, argv, False)


@command("xrevrange", -4, "readonly", (1, 1, 1), G, "Entries of a stream between two IDs, newest first",
         since="5.0.0")
def xrevrange_command(c, argv):
    _xrange(c, argv, True)


# -- XREAD / XREADGROUP -------------------------------------------------------------------------------------------
def _parse_block_timeout(arg: bytes) -> int:
    """getTimeoutFromObjectOrReply in milliseconds: returns the absolute deadline (0 = forever)."""
    v = parse_int(arg)
    if v is None:
        raise CommandError("ERR timeout is not an integer or out of range")
    if v < 0:
        raise CommandError("ERR timeout is negative")
    if v > 0:
        v = min(v + now_ms(), LLONG_MAX)
    return v


class ReadRequest:
    """A parsed XREAD/XREADGROUP: what a blocking layer needs to retry it."""
    __slots__ = ("keys", "ids", "groups", "count", "noack", "group_name", "consumer_name", "timeout", "streams_arg")

    def __init__(self):
        self.keys = []
        self.ids = []
        self.groups = None
        self.count = 0
        self.noack = False
        self.group_name = None
        self.consumer_name = None
        self.timeout = -1
        self.streams_arg = 0


def parse_read(c, argv, xreadgroup: bool) -> ReadRequest:
    """xreadCommand's argument parsing and per-stream checks (types, groups, IDs), in Redis's order."""
    r = ReadRequest()
    n = len(argv)
    i = 1
    while i < n:
        moreargs = n - i - 1
        o = argv[i].lower()
        if o == b"block" and moreargs:
            i += 1
            r.timeout = _parse_block_timeout(argv[i])
        elif o == b"count" and moreargs:
            i += 1
            r.count = max(int_arg(argv[i]), 0)
        elif o == b"streams" and moreargs:
            r.streams_arg = i + 1
            if (n - r.streams_arg) % 2:
                raise CommandError("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be "
                                   "specified.")
            break
        elif o == b"group" and moreargs >= 2:
            if not xreadgroup:
                raise CommandError("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.")
            r.group_name = argv[i + 1]
            r.consumer_name = argv[i + 2]
            i += 2
        elif o == b"noack":
            if not xreadgroup:
                raise CommandError("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.")
            r.noack = True
        else:
            raise CommandError(errors.SYNTAX)
        i += 1
    if r.streams_arg == 0:
        raise CommandError(errors.SYNTAX)
    if xreadgroup and r.group_name is None:
        raise CommandError("ERR Missing GROUP option for XREADGROUP")
    nstreams = (n - r.streams_arg) // 2
    r.keys = argv[r.streams_arg:r.streams_arg + nstreams]
    if r.group_name is not None:
        r.groups = []
    db = c.db
    for k in range(nstreams):
        key = r.keys[k]
        arg = argv[r.streams_arg + nstreams + k]
        s = _stream_or_none(db.lookup_read(key))
        if r.groups is not None:
            group = s.groups.get(r.group_name) if s is not None and s.groups else None
            if group is None:
                raise CommandError(b"NOGROUP No such key '" + key + b"' or consumer group '" + r.group_name
                                   + b"' in XREADGROUP with GROUP option")
            r.groups.append(group)
        if arg == b"$":
            if xreadgroup:
                raise CommandError("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the "
                                   "history of this consumer by specifying a proper ID, or use the > ID to get new "
                                   "messages. The $ ID would just return an empty result set.")
            r.ids.append(s.last_id if s is not None else 0)
        elif arg == b">":
            if not xreadgroup:
                raise CommandError("ERR The > ID can be specified only when calling XREADGROUP using the GROUP "
                                   "<group> <consumer> option.")
            r.ids.append(MAX_ID)
        else:
            r.ids.append(parse_id(arg, 0, strict=True))
    return r


def _xclaim_argv(key, group_name, consumer_name, id_arg, nack, group) -> list:
    """streamPropagateXCLAIM: an idempotent XCLAIM that recreates the NACK and the group's last ID."""
    return [b"XCLAIM", key, group_name, consumer_name, b"0", id_arg, b"TIME", b"%d" % nack.delivery_time,
            b"RETRYCOUNT", b"%d" % nack.delivery_count, b"FORCE", b"JUSTID", b"LASTID", fmt_id(group.last_id)]


def _setid_argv(key, group_name, group) -> list:
    return [b"XGROUP", b"SETID", key, group_name, fmt_id(group.last_id), b"ENTRIESREAD",
            b"%d" % group.entries_read]


def _read_group_new(s, key, r, group, consumer, start, now, props):
    """streamReplyWithRange for a group reading new entries: moves the group's last ID and read counter, creates
    or reassigns NACKs and records the XCLAIMs that replicate them."""
    entries = []
    count = r.count
    noack = r.noack
    gname = r.group_name
    bump_last_id = False
    for xid, items in s.range(start, MAX_ID):
        if xid > group.last_id:
            if group.entries_read != INVALID_ENTRIES_READ and not s.range_has_tombstones(xid):
                group.entries_read += 1
            elif s.entries_added:
                group.entries_read = s.estimate_distance(xid)
            group.last_id = xid
            if noack:
                bump_last_id = True
        entries.append((xid, items))
        if not noack:
            nack = group.pel.map.get(xid)
            if nack is None:
                nack = Nack(now, 1, consumer)
                group.pel.add(xid, nack)
                consumer.pel.add(xid, nack)
            else:
                nack.consumer.pel.remove(xid)
                nack.consumer = consumer
                nack.delivery_time = now
                nack.delivery_count = 1
                consumer.pel.add(xid, nack)
            props.append(_xclaim_argv(key, gname, consumer.name, fmt_id(xid), nack, group))
        if count and len(entries) == count:
            break
    if bump_last_id:
        props.append(_setid_argv(key, gname, group))
    return entries


def _read_group_history(s, consumer, start, count, now):
    """streamReplyWithRangeFromConsumerPEL: the consumer's own pending entries from `start`; an entry deleted
    meanwhile comes back as (id, None)."""
    out = []
    pel = consumer.pel
    for xid in pel.iter_from(start):
        if count and len(out) >= count:
            break
        items = s.get(xid)
        if items is not None:
            nack = pel.map[xid]
            nack.delivery_time = now
            nack.delivery_count += 1
        out.append((xid, items))
    return out


def serve_reads(c, r: ReadRequest) -> bool:
    """Answer whatever the streams of `r` can give now; returns False (having written nothing) when nothing.
    A blocking layer calls this again when one of `r.keys` becomes ready."""
    db = c.db
    server = c.server
    results = []
    props = []
    now = now_ms()
    for k, key in enumerate(r.keys):
        s = db.lookup_read(key)
        if s is None or type(s) is not StreamValue:
            continue
        gt = r.ids[k]
        serve = False
        history = False
        group = None
        if r.groups is not None:
            group = r.groups[k]
            if gt != MAX_ID:
                serve = history = True
            elif s.length:
                if s.last_live_id() > group.last_id:
                    serve = True
                    gt = group.last_id
        elif s.length and s.last_live_id() > gt:
            serve = True
        if not serve:
            continue
        start = _incr_id(gt) if gt != MAX_ID else 0
        if group is not None:
            consumer = group.consumers.get(r.consumer_name)
            if consumer is None:
                consumer = group.create_consumer(r.consumer_name, now)
                server.dirty += 1
                if r.noack:
                    props.append([b"XGROUP", b"CREATECONSUMER", key, r.group_name, consumer.name])
            else:
                consumer.seen_time = now
            if history:
                entries = _read_group_history(s, consumer, start, r.count, now)
            else:
                entries = _read_group_new(s, key, r, group, consumer, start, now, props)
            server.dirty += 1
        else:
            entries = []
            for e in s.range(start, MAX_ID):
                entries.append(e)
                if r.count and len(entries) == r.count:
                    break
        results.append((key, entries))
    for argv in props:
        server.propagate(db.id, argv)
    if not results:
        return False
    w = c.w
    if w.resp == 2:
        w.array(len(results))
    else:
        w.map(len(results))
    for key, entries in results:
        if w.resp == 2:
            w.array(2)
        w.bulk(key)
        w.array(len(entries))
        for xid, items in entries:
            w.array(2)
            w.bulk(fmt_id(xid))
            if items is None:
                w.null_array()
            else:
                w.bulks(items)
    return True


def _xread(c, argv, xreadgroup: bool):
    c.prevent_prop = True      # XREADGROUP replicates through the XCLAIM/XGROUP commands it records
    r = parse_read(c, argv, xreadgroup)
    if serve_reads(c, r):
        return
    if r.timeout < 0:
        c.w.null_array()       # no BLOCK: answer like a timeout (block() does the same inside a transaction)
        return
    # Wait for one of the streams to grow. When woken the command runs again, with `$` replaced by the IDs it
    # meant now, so entries added in between are not skipped.
    resolved = list(argv)
    first_id = r.streams_arg + len(r.keys)
    for k in range(len(r.keys)):
        if resolved[first_id + k] == b"$":
            resolved[first_id + k] = fmt_id(r.ids[k])
    deadline = time.monotonic() + (r.timeout - now_ms()) / 1000.0 if r.timeout > 0 else 0.0
    block(c, r.keys, deadline, "stream", argv=resolved)



def _keys_after_streams(first: int):
    """The key spec of XREAD (search from 1) and XREADGROUP (from 4): after the first STREAMS word, the first half
    of what follows."""
    def keys(argv) -> list:
        for i in range(first, len(argv)):
            if argv[i].lower() == b"streams":
                return list(range(i + 1, i + 1 + (len(argv) - i - 1) // 2))
        return []
    return keys


@command("xread", -4, "readonly blocking movablekeys", (0, 0, 0), G, "Read entries newer than given IDs from streams, optionally waiting for them",
         since="5.0.0", acl="@read @stream @slow @blocking", keys_fn=_keys_after_streams(1))
def xread_command(c, argv):
    _xread(c, argv, False)


@command("xreadgroup", -7, "write blocking movablekeys", (0, 0, 0), G, "Read entries for a consumer of a group, optionally waiting for new ones",
         since="5.0.0", acl="@write @stream @slow @blocking", keys_fn=_keys_after_streams(4))
def xreadgroup_command(c, argv):
    _xread(c, argv, True)


# -- XGROUP -------------------------------------------------------------------------------------------------------
container("xgroup", G, "Manage consumer groups", since="5.0.0")

XGROUP_HELP = [
    "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CREATE <key> <group> <id|$> [MKSTREAM] [ENTRIESREAD <n>]",
    "    Make a consumer group that starts after <id> ($: the stream's last entry); MKSTREAM makes an empty",
    "    stream when the key is missing; ENTRIESREAD sets how many entries the group has read.",
    "CREATECONSUMER <key> <group> <consumer>",
    "    Add a consumer to the group.",
    "DELCONSUMER <key> <group> <consumer>",
    "    Remove a consumer and its pending entries.",
    "DESTROY <key> <group>",
    "    Remove the group.",
    "SETID <key> <group> <id|$> [ENTRIESREAD <n>]",
    "    Move the group's last delivered ID (and its read counter).",
    "HELP",
    "    This help.",
]


def _reply_help(c, lines):
    c.w.array(len(lines))
    for line in lines:
        c.w.simple(line)


def _xgroup_prepare(c, argv, sub: bytes):
    """The checks xgroupCommand makes for every subcommand but HELP: options, key, type, group."""
    n = len(argv)
    mkstream = False
    entries_read = INVALID_ENTRIES_READ
    i = 5
    while i < n:
        opt = argv[i].lower()
        if sub == b"create" and opt == b"mkstream":
            mkstream = True
            i += 1
        elif sub in (b"create", b"setid") and opt == b"entriesread" and i + 1 < n:
            entries_read = int_arg(argv[i + 1])
            if entries_read < 0 and entries_read != INVALID_ENTRIES_READ:
                raise CommandError("ERR value for ENTRIESREAD must be positive or -1")
            i += 2
        else:
            raise _subcommand_syntax(argv)
    s = _stream_or_none(c.db.lookup(argv[2]))
    group_name = argv[3]
    group = None
    if not mkstream:
        if s is None:
            raise CommandError("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may "
                               "want to use the MKSTREAM option to create an empty stream automatically.")
        group = s.groups.get(group_name) if s.groups else None
        if group is None and sub in (b"setid", b"createconsumer", b"delconsumer"):
            raise _nogroup_for_key(group_name, argv[2])
    return s, group, mkstream, entries_read


@command("create", -5, "write denyoom", (2, 2, 1), parent="xgroup", summary="Make a consumer group",
         since="5.0.0")
def xgroup_create_command(c, argv):
    s, _, mkstream, entries_read = _xgroup_prepare(c, argv, b"create")
    if len(argv) > 8:
        raise _subcommand_syntax(argv)
    if argv[4] == b"$":
        xid = s.last_id if s is not None else 0
    else:
        xid = parse_id(argv[4], 0, strict=True)
    global _created_stream
    _created_stream = s is None
    if s is None:
        s = StreamValue()
        c.db.add(argv[2], s)
    if s.groups is None:
        s.groups = {}
    name = argv[3]
    if name in s.groups:
        raise CommandError("BUSYGROUP Consumer Group name already exists")
    s.groups[name] = Group(xid, entries_read)
    c.server.dirty += 1
    c.w.ok()


@command("setid", -5, "write", (2, 2, 1), parent="xgroup", summary="Move a consumer group's last delivered ID", since="5.0.0")
def xgroup_setid_command(c, argv):
    s, group, _, entries_read = _xgroup_prepare(c, argv, b"setid")
    if len(argv) not in (5, 7):
        raise _subcommand_syntax(argv)
    xid = s.last_id if argv[4] == b"$" else parse_id(argv[4], 0)
    group.last_id = xid
    group.entries_read = entries_read
    c.server.dirty += 1
    c.w.ok()


@command("destroy", 4, "write", (2, 2, 1), parent="xgroup", summary="Remove a consumer group", since="5.0.0")
def xgroup_destroy_command(c, argv):
    s, group, _, _ = _xgroup_prepare(c, argv, b"destroy")
    if group is None:
        c.w.integer(0)
        return
    del s.groups[argv[3]]
    c.server.dirty += 1
    c.w.integer(1)


@command("createconsumer", 5, "write denyoom", (2, 2, 1), parent="xgroup", summary="Add a consumer to a group", since="6.2.0")
def xgroup_createconsumer_command(c, argv):
    _, group, _, _ = _xgroup_prepare(c, argv, b"createconsumer")
    name = argv[4]
    if name in group.consumers:
        c.w.integer(0)
        return
    group.create_consumer(name, now_ms())
    c.server.dirty += 1
    c.w.integer(1)


@command("delconsumer", 5, "write", (2, 2, 1), parent="xgroup", summary="Remove a consumer from a group",
         since="5.0.0")
def xgroup_delconsumer_command(c, argv):
    _, group, _, _ = _xgroup_prepare(c, argv, b"delconsumer")
    consumer = group.consumers.get(argv[4])
    pending = 0
    if consumer is not None:
        pending = len(consumer.pel)
        gpel = group.pel
        for xid in list(consumer.pel.map):
            gpel.remove(xid)
        del group.consumers[argv[4]]
        c.server.dirty += 1
    c.w.integer(pending)


@command("help", 2, "loading stale", parent="xgroup", summary="Help for the subcommands",
         since="5.0.0", acl="@stream @slow")
def xgroup_help_command(c, argv):
    _reply_help(c, XGROUP_HELP)


# -- XSETID / XACK / XPENDING -------------------------------------------------------------------------------------
@command("xsetid", -3, "write denyoom fast", (1, 1, 1), G, "Set a stream's last ID and counters (used for replication)",
         since="5.0.0")
def xsetid_command(c, argv):
    xid = parse_id(argv[2], 0, strict=True)
    entries_added = -1
    max_xdel = 0
    n = len(argv)
    i = 3
    while i < n:
        moreargs = n - 1 - i
        opt = argv[i].lower()
        if opt == b"entriesadded" and moreargs:
            entries_added = int_arg(argv[i + 1])
            if entries_added < 0:
                raise CommandError("ERR entries_added must be positive")
            i += 2
        elif opt == b"maxdeletedid" and moreargs:
            max_xdel = parse_id(argv[i + 1], 0, strict=True)
            if xid < max_xdel:
                raise CommandError("ERR The ID specified in XSETID is smaller than the provided "
                                   "max_deleted_entry_id")
            i += 2
        else:
            raise CommandError(errors.SYNTAX)
    s = c.db.lookup(argv[1])
    if s is None:
        raise CommandError(errors.NO_SUCH_KEY)
    _stream_or_none(s)
    if s.length > 0:
        if xid < s.last_live_id():
            raise CommandError("ERR The ID specified in XSETID is smaller than the target stream top item")
        if entries_added != -1 and s.length > entries_added:
            raise CommandError("ERR The entries_added specified in XSETID is smaller than the target stream length")
    s.last_id = xid
    if entries_added != -1:
        s.entries_added = entries_added
    if max_xdel:
        s.max_deleted = max_xdel
    c.server.dirty += 1
    c.w.ok()


def _group_of(s, name: bytes):
    if s is None or not s.groups:
        return None
    return s.groups.get(name)


@command("xack", -4, "write fast", (1, 1, 1), G, "Acknowledge entries of a consumer group",
         since="5.0.0")
def xack_command(c, argv):
    s = _stream_or_none(c.db.lookup_read(argv[1]))
    group = _group_of(s, argv[2])
    if group is None:
        c.w.integer(0)
        return
    ids = [parse_id(a, 0, strict=True) for a in argv[3:]]
    acked = 0
    pel = group.pel
    for xid in ids:
        nack = pel.map.get(xid)
        if nack is not None:
            group.drop_nack(xid, nack)
            acked += 1
    c.server.dirty += acked
    c.w.integer(acked)


@command("xpending", -3, "readonly", (1, 1, 1), G, "Entries delivered to a group but not yet acknowledged", since="5.0.0",
         tips="nondeterministic_output")
def xpending_command(c, argv):
    n = len(argv)
    if n != 3 and (n < 6 or n > 9):
        raise CommandError(errors.SYNTAX)
    minidle = 0
    consumer_name = None
    if n >= 6:
        startidx = 3
        if argv[3].lower() == b"idle":
            minidle = int_arg(argv[4])
            if n < 8:
                raise CommandError(errors.SYNTAX)
            startidx += 2
        count = max(int_arg(argv[startidx + 2]), 0)
        start, end = parse_range(argv[startidx], argv[startidx + 1])
        if startidx + 3 < n:
            consumer_name = argv[startidx + 3]
    s = _stream_or_none(c.db.lookup_read(argv[1]))
    group = _group_of(s, argv[2])
    if group is None:
        raise _nogroup(argv[1], argv[2])
    w = c.w
    pel = group.pel
    if n == 3:
        w.array(4)
        w.integer(len(pel))
        if not len(pel):
            w.null()
            w.null()
            w.null_array()
            return
        w.bulk(fmt_id(pel.first()))
        w.bulk(fmt_id(pel.last()))
        owners = [(name, len(cons.pel)) for name, cons in sorted(group.consumers.items()) if len(cons.pel)]
        w.array(len(owners))
        for name, pending in owners:
            w.array(2)
            w.bulk(name)
            w.bulk(b"%d" % pending)
        return
    if consumer_name is not None:
        consumer = group.consumers.get(consumer_name)
        if consumer is None:
            w.array(0)
            return
        pel = consumer.pel
    now = now_ms()
    rows = []
    for xid in pel.iter_from(start):
        if not count or xid > end:
            break
        nack = pel.map[xid]
        if minidle and now - nack.delivery_time < minidle:
            continue
        rows.append((xid, nack))
        count -= 1
    w.array(len(rows))
    for xid, nack in rows:
        w.array(4)
        w.bulk(fmt_id(xid))
        w.bulk(nack.consumer.name)
        w.integer(max(now - nack.delivery_time, 0))
        w.integer(nack.delivery_count)


# -- XCLAIM / XAUTOCLAIM ------------------------------------------------------------------------------------------
def _claim_consumer(group: Group, name: bytes, now: int, server) -> Consumer:
    """The claiming consumer, looked up (refreshing its seen-time) or created on the first actual claim."""
    consumer = group.consumers.get(name)
    if consumer is None:
        consumer = group.create_consumer(name, now)
        server.dirty += 1
    else:
        consumer.seen_time = now
    return consumer


def _move_nack(xid: int, nack: Nack, consumer: Consumer) -> None:
    if nack.consumer is not consumer:
        if nack.consumer is not None:
            nack.consumer.pel.remove(xid)
        consumer.pel.add(xid, nack)
        nack.consumer = consumer


@command("xclaim", -6, "write fast", (1, 1, 1), G, "Give pending entries to another consumer", since="5.0.0",
         tips="nondeterministic_output")
def xclaim_command(c, argv):
    c.prevent_prop = True      # replicated as one XCLAIM per claimed entry
    s = _stream_or_none(c.db.lookup_read(argv[1]))
    group = _group_of(s, argv[2])
    if group is None:
        raise _nogroup(argv[1], argv[2])
    minidle = int_arg(argv[4], "ERR Invalid min-idle-time argument for XCLAIM")
    if minidle < 0:
        minidle = 0
    n = len(argv)
    ids = []
    j = 5
    while j < n:
        try:
            ids.append(parse_id(argv[j], 0, strict=True))
        except CommandError:
            break
        j += 1
    now = now_ms()
    force = justid = False
    retrycount = -1
    deliverytime = -1
    last_id = 0
    while j < n:
        moreargs = n - 1 - j
        opt = argv[j].lower()
        if opt == b"force":
            force = True
        elif opt == b"justid":
            justid = True
        elif opt == b"idle" and moreargs:
            j += 1
            deliverytime = now - int_arg(argv[j], "ERR Invalid IDLE option argument for XCLAIM")
        elif opt == b"time" and moreargs:
            j += 1
            deliverytime = int_arg(argv[j], "ERR Invalid TIME option argument for XCLAIM")
        elif opt == b"retrycount" and moreargs:
            j += 1
            retrycount = int_arg(argv[j], "ERR Invalid RETRYCOUNT option argument for XCLAIM")
        elif opt == b"lastid" and moreargs:
            j += 1
            last_id = parse_id(argv[j], 0, strict=True)
        else:
            raise CommandError(b"ERR Unrecognized XCLAIM option '" + argv[j] + b"'")
        j += 1

    server = c.server
    key = argv[1]
    gname = argv[2]
    props = []
    bump_last_id = False
    if last_id > group.last_id:
        group.last_id = last_id
        bump_last_id = True
    if deliverytime == -1 or deliverytime < 0 or deliverytime > now:
        deliverytime = now
    consumer = None
    claimed = []
    pel = group.pel
    for k, xid in enumerate(ids):
        nack = pel.map.get(xid)
        items = s.get(xid)
        if items is None:
            # The entry is gone: drop it from the PEL too, and replicate that.
            if nack is not None:
                props.append(_xclaim_argv(key, gname, nack.consumer.name, argv[5 + k], nack, group))
                bump_last_id = False
                server.dirty += 1
                group.drop_nack(xid, nack)
            continue
        if force and nack is None:
            nack = Nack(now, 1, None)
            pel.add(xid, nack)
        if nack is None:
            continue
        if nack.consumer is not None and minidle and now - nack.delivery_time < minidle:
            continue
        if consumer is None:
            consumer = _claim_consumer(group, argv[3], now, server)
        _move_nack(xid, nack, consumer)
        nack.delivery_time = deliverytime
        if retrycount >= 0:
            nack.delivery_count = retrycount
        elif not justid:
            nack.delivery_count += 1
        claimed.append((xid, items))
        props.append(_xclaim_argv(key, gname, consumer.name, argv[5 + k], nack, group))
        bump_last_id = False
        server.dirty += 1
    if bump_last_id:
        props.append(_setid_argv(key, gname, group))
        server.dirty += 1
    w = c.w
    if justid:
        w.array(len(claimed))
        for xid, _ in claimed:
            w.bulk(fmt_id(xid))
    else:
        _write_entries(w, claimed)
    for p in props:
        server.propagate(c.db.id, p)


ATTEMPTS_FACTOR = 10
AUTOCLAIM_MAX_COUNT = LLONG_MAX // max(16, ATTEMPTS_FACTOR)
AUTOCLAIM_ALLOC_LIMIT = 1 << 40     # bytes: an allocation no server of ours could make


@command("xautoclaim", -6, "write fast", (1, 1, 1), G, "Give pending entries idle for long enough to another consumer", since="6.2.0",
         tips="nondeterministic_output")
def xautoclaim_command(c, argv):
    c.prevent_prop = True      # replicated as one XCLAIM per claimed or dropped entry
    minidle = int_arg(argv[4], "ERR Invalid min-idle-time argument for XAUTOCLAIM")
    if minidle < 0:
        minidle = 0
    start, ex = parse_interval_id(argv[5], 0)
    if ex:
        if start == MAX_ID:
            raise CommandError(E_BAD_START)
        start = _incr_id(start)
    count = 100
    justid = False
    n = len(argv)
    j = 6
    while j < n:
        moreargs = n - 1 - j
        opt = argv[j].lower()
        if opt == b"count" and moreargs:
            v = parse_int(argv[j + 1])
            if v is None or v < 1 or v > AUTOCLAIM_MAX_COUNT:
                raise CommandError("ERR COUNT must be > 0")
            count = v
            j += 1
        elif opt == b"justid":
            justid = True
        else:
            raise CommandError(errors.SYNTAX)
        j += 1
    s = _stream_or_none(c.db.lookup_read(argv[1]))
    group = _group_of(s, argv[2])
    if group is None:
        raise _nogroup(argv[1], argv[2])
    if count * 16 >= AUTOCLAIM_ALLOC_LIMIT:
        # Redis allocates COUNT stream IDs up front and reports when it cannot.
        raise CommandError("ERR Insufficient memory, failed allocating transient memory, COUNT too high.")

    server = c.server
    key = argv[1]
    gname = argv[2]
    now = now_ms()
    attempts = count * ATTEMPTS_FACTOR
    pel = group.pel
    pos = start                  # the scan goes on from the first pending ID >= pos
    consumer = None
    claimed = []
    deleted = []
    props = []
    while attempts and count and pos is not None:
        xid = pel.ceil(pos)
        if xid is None:
            pos = None
            break
        attempts -= 1
        nack = pel.map[xid]
        items = s.get(xid)
        if items is None:
            props.append(_xclaim_argv(key, gname, nack.consumer.name, fmt_id(xid), nack, group))
            server.dirty += 1
            group.drop_nack(xid, nack)
            deleted.append(xid)
            count -= 1
            pos = xid
            continue
        if xid == MAX_ID:
            pos = None
        else:
            pos = _incr_id(xid)
        if minidle and now - nack.delivery_time < minidle:
            continue
        if consumer is None:
            consumer = _claim_consumer(group, argv[3], now, server)
        _move_nack(xid, nack, consumer)
        nack.delivery_time = now
        if not justid:
            nack.delivery_count += 1
        claimed.append((xid, items))
        count -= 1
        props.append(_xclaim_argv(key, gname, consumer.name, fmt_id(xid), nack, group))
        server.dirty += 1
    cursor = pel.ceil(pos) if pos is not None else None
    if cursor is None:
        cursor = 0
    w = c.w
    w.array(3)
    w.bulk(fmt_id(cursor))
    if justid:
        w.array(len(claimed))
        for xid, _ in claimed:
            w.bulk(fmt_id(xid))
    else:
        _write_entries(w, claimed)
    w.array(len(deleted))
    for xid in deleted:
        w.bulk(fmt_id(xid))
    for p in props:
        server.propagate(c.db.id, p)


# -- XINFO --------------------------------------------------------------------------------------------------------
container("xinfo", G, "Inspect streams and their groups", since="5.0.0")

XINFO_HELP = [
    "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CONSUMERS <key> <group>",
    "    The consumers of a group, with their pending counts and idle times.",
    "GROUPS <key>",
    "    The consumer groups of a stream.",
    "STREAM <key> [FULL [COUNT <count>]]",
    "    A description of the stream (FULL: with its entries, groups and pending lists).",
    "HELP",
    "    This help.",
]


def _first_ids(pel, count: int) -> list:
    """The first `count` pending IDs (all of them for 0)."""
    if not count:
        return list(pel.iter_from())
    out = []
    for xid in pel.iter_from():
        out.append(xid)
        if len(out) == count:
            break
    return out


def _xinfo_stream_key(c, argv):
    s = c.db.lookup_read(argv[2])
    if s is None:
        raise CommandError(errors.NO_SUCH_KEY)
    return _stream_or_none(s)


def _write_group_lag(w, s, group):
    lag = s.lag(group)
    if lag is None:
        w.null()
    else:
        w.integer(lag)


def _write_entries_read(w, group):
    if group.entries_read != INVALID_ENTRIES_READ:
        w.integer(group.entries_read)
    else:
        w.null()


@command("stream", -3, "readonly", (2, 2, 1), parent="xinfo", summary="Describe a stream",
         since="5.0.0")
def xinfo_stream_command(c, argv):
    s = _xinfo_stream_key(c, argv)
    opts = argv[3:]
    full = bool(opts)
    count = 10
    if full:
        if len(opts) not in (1, 3) or opts[0].lower() != b"full":
            raise _subcommand_syntax(argv)
        if len(opts) == 3:
            if opts[1].lower() != b"count":
                raise _subcommand_syntax(argv)
            count = int_arg(opts[2])
            if count < 0:
                count = 10
    w = c.w
    w.map(9 if full else 10)
    w.bulk(b"length")
    w.integer(s.length)
    w.bulk(b"radix-tree-keys")
    w.integer(len(s.nodes))
    w.bulk(b"radix-tree-nodes")
    w.integer(s.rax_nodes())
    w.bulk(b"last-generated-id")
    w.bulk(fmt_id(s.last_id))
    w.bulk(b"max-deleted-entry-id")
    w.bulk(fmt_id(s.max_deleted))
    w.bulk(b"entries-added")
    w.integer(s.entries_added)
    w.bulk(b"recorded-first-entry-id")
    w.bulk(fmt_id(s.first_id))
    if not full:
        w.bulk(b"groups")
        w.integer(len(s.groups) if s.groups else 0)
        w.bulk(b"first-entry")
        first = next(s.range(0, MAX_ID), None)
        if first is None:
            w.null()
        else:
            _write_entry(w, *first)
        w.bulk(b"last-entry")
        last = next(s.revrange(0, MAX_ID), None)
        if last is None:
            w.null()
        else:
            _write_entry(w, *last)
        return
    w.bulk(b"entries")
    entries = []
    for e in s.range(0, MAX_ID):
        entries.append(e)
        if count and len(entries) == count:
            break
    _write_entries(w, entries)
    w.bulk(b"groups")
    groups = sorted(s.groups.items()) if s.groups else []
    w.array(len(groups))
    for name, g in groups:
        w.map(7)
        w.bulk(b"name")
        w.bulk(name)
        w.bulk(b"last-delivered-id")
        w.bulk(fmt_id(g.last_id))
        w.bulk(b"entries-read")
        _write_entries_read(w, g)
        w.bulk(b"lag")
        _write_group_lag(w, s, g)
        w.bulk(b"pel-count")
        w.integer(len(g.pel))
        w.bulk(b"pending")
        pids = _first_ids(g.pel, count)
        w.array(len(pids))
        for xid in pids:
            nack = g.pel.map[xid]
            w.array(4)
            w.bulk(fmt_id(xid))
            w.bulk(nack.consumer.name)
            w.integer(nack.delivery_time)
            w.integer(nack.delivery_count)
        w.bulk(b"consumers")
        w.array(len(g.consumers))
        for cname, cons in sorted(g.consumers.items()):
            w.map(4)
            w.bulk(b"name")
            w.bulk(cname)
            w.bulk(b"seen-time")
            w.integer(cons.seen_time)
            w.bulk(b"pel-count")
            w.integer(len(cons.pel))
            w.bulk(b"pending")
            cids = _first_ids(cons.pel, count)
            w.array(len(cids))
            for xid in cids:
                nack = cons.pel.map[xid]
                w.array(3)
                w.bulk(fmt_id(xid))
                w.integer(nack.delivery_time)
                w.integer(nack.delivery_count)


@command("groups", 3, "readonly", (2, 2, 1), parent="xinfo", summary="Describe a stream's consumer groups",
         since="5.0.0")
def xinfo_groups_command(c, argv):
    s = _xinfo_stream_key(c, argv)
    w = c.w
    groups = sorted(s.groups.items()) if s.groups else []
    w.array(len(groups))
    for name, g in groups:
        w.map(6)
        w.bulk(b"name")
        w.bulk(name)
        w.bulk(b"consumers")
        w.integer(len(g.consumers))
        w.bulk(b"pending")
        w.integer(len(g.pel))
        w.bulk(b"last-delivered-id")
        w.bulk(fmt_id(g.last_id))
        w.bulk(b"entries-read")
        _write_entries_read(w, g)
        w.bulk(b"lag")
        _write_group_lag(w, s, g)


@command("consumers", 4, "readonly", (2, 2, 1), parent="xinfo", summary="Describe the consumers of a group",
         since="5.0.0", tips="nondeterministic_output")
def xinfo_consumers_command(c, argv):
    s = _xinfo_stream_key(c, argv)
    group = _group_of(s, argv[3])
    if group is None:
        raise _nogroup_for_key(argv[3], argv[2])
    now = now_ms()
    w = c.w
    consumers = sorted(group.consumers.items())
    w.array(len(consumers))
    for name, cons in consumers:
        w.map(3)
        w.bulk(b"name")
        w.bulk(name)
        w.bulk(b"pending")
        w.integer(len(cons.pel))
        w.bulk(b"idle")
        w.integer(max(now - cons.seen_time, 0))


@command("help", 2, "loading stale", parent="xinfo", summary="Help for the subcommands",
         since="5.0.0", acl="@stream @slow")
def xinfo_help_command(c, argv):
    _reply_help(c, XINFO_HELP)


# -- WATCH --------------------------------------------------------------------------------------------------------
# Redis signals a stream key as modified (what aborts a WATCHing transaction) when entries are added or removed and
# when XGROUP CREATE ... MKSTREAM creates it; consumer-group bookkeeping (XREADGROUP, XACK, XCLAIM, XAUTOCLAIM,
# XGROUP, XSETID) leaves WATCH alone.
_created_stream = False


def _no_keys(cmd, argv):
    return []


def _created_key(cmd, argv):
    return [2] if _created_stream else []


def _watch_rules():
    from kvs.commands.table import COMMANDS
    for name in (b"xreadgroup", b"xack", b"xclaim", b"xautoclaim", b"xsetid"):
        COMMANDS[name].written_keys_fn = _no_keys
    groups = COMMANDS[b"xgroup"].subcommands
    for name in (b"setid", b"destroy", b"createconsumer", b"delconsumer"):
        groups[name].written_keys_fn = _no_keys
    groups[b"create"].written_keys_fn = _created_key


_watch_rules()
