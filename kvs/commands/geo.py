"""GEO commands (Redis's geo.c): positions kept in a sorted set, each member scored with the 52-bit geohash of
its position, exactly as Redis stores them (so a GEO key is an ordinary zset to every other command).

The geohash arithmetic, the search over the centre cell and its neighbours, the distance sort and the reply
writing are compiled (kvs/_core/geohash.pyx); this module parses arguments in Redis's order, with its errors, and
stores results.
"""
from kvs import errors
from kvs._core import geohash
from kvs._core.geohash import SORT_ASC, SORT_DESC, SORT_NONE
from kvs.commands.args import float_arg, int_arg
from kvs.commands.t_zset import ZSetValue, listpack_limits, zadd_generic
from kvs.commands.table import command
from kvs.errors import CommandError

G = "geo"

LONG_MIN, LONG_MAX = geohash.LONG_MIN, geohash.LONG_MAX
LAT_MIN, LAT_MAX = geohash.LAT_MIN, geohash.LAT_MAX

# Meters per unit.
UNITS = {b"m": 1.0, b"km": 1000.0, b"ft": 0.3048, b"mi": 1609.34}

UNIT_ERROR = "ERR unsupported unit provided. please use M, KM, FT, MI"
MEMBER_ERROR = "ERR could not decode requested zset member"

# georadiusGeneric's flags.
RADIUS_COORDS = 1       # GEORADIUS: around a position
RADIUS_MEMBER = 2       # GEORADIUSBYMEMBER: around a member
RADIUS_NOSTORE = 4      # the _RO variants: no STORE / STOREDIST
GEOSEARCH = 8           # GEOSEARCH's FROM* / BY* arguments
GEOSEARCHSTORE = 16     # GEOSEARCHSTORE: destination first, STOREDIST without a key


def _word(b: bytes) -> bytes:
    """An option or unit as Redis compares it: strcasecmp on the C string, so a NUL byte ends it."""
    i = b.find(b"\0")
    return (b if i < 0 else b[:i]).lower()


def _zset_read(db, key):
    v = db.lookup_read(key)
    if v is not None and type(v) is not ZSetValue:
        raise CommandError(errors.WRONGTYPE)
    return v


def _lonlat(argv, i):
    """extractLongLatOrReply: both numbers parsed first, then checked against the indexable limits."""
    lon = float_arg(argv[i])
    lat = float_arg(argv[i + 1])
    if lon < LONG_MIN or lon > LONG_MAX or lat < LAT_MIN or lat > LAT_MAX:
        raise CommandError(f"ERR invalid longitude,latitude pair {lon:f},{lat:f}")
    return lon, lat


def _unit(b: bytes) -> float:
    conversion = UNITS.get(_word(b))
    if conversion is None:
        raise CommandError(UNIT_ERROR)
    return conversion


def _radius(argv, i):
    """<radius> <unit>: (radius in the unit, meters per unit)."""
    radius = float_arg(argv[i], "ERR need numeric radius")
    if radius < 0:
        raise CommandError("ERR radius cannot be negative")
    return radius, _unit(argv[i + 1])


def _box(argv, i):
    """<width> <height> <unit>: (width, height, meters per unit)."""
    width = float_arg(argv[i], "ERR need numeric width")
    height = float_arg(argv[i + 1], "ERR need numeric height")
    if height < 0 or width < 0:
        raise CommandError("ERR height or width cannot be negative")
    return width, height, _unit(argv[i + 2])


def _member_lonlat(z, member):
    score = z.dict.get(member)
    if score is None:
        raise CommandError(MEMBER_ERROR)
    return geohash.score_to_lonlat(score)


# -- GEOADD --------------------------------------------------------------------------------------------------
@command("geoadd", -5, "write denyoom", (1, 1, 1), G,
         "Add one or more geospatial items in the geospatial index represented using a sorted set", since="3.2.0")
def geoadd_command(c, argv):
    longidx = 2
    n = len(argv)
    nx = xx = False
    while longidx < n:
        opt = _word(argv[longidx])
        if opt == b"nx":
            nx = True
        elif opt == b"xx":
            xx = True
        elif opt != b"ch":
            break
        longidx += 1
    if (n - longidx) % 3 or (xx and nx):
        raise CommandError(errors.SYNTAX)
    # GEOADD is ZADD with each position turned into its score; it runs (and propagates) as that ZADD.
    pairs = []
    for i in range(longidx, n, 3):
        lon, lat = _lonlat(argv, i)
        pairs.append(b"%d" % geohash.encode_score(lon, lat))
        pairs.append(argv[i + 2])
    c.rewrite_argv([b"zadd"] + argv[1:longidx] + pairs)
    # ZADD's parser sees the options as GEOADD read them (up to a NUL byte, in any case).
    zadd_generic(c, [b"zadd", argv[1]] + [_word(o) for o in argv[2:longidx]] + pairs, 0)


# -- GEODIST / GEOHASH / GEOPOS ------------------------------------------------------------------------------
@command("geodist", -4, "readonly", (1, 1, 1), G, "Returns the distance between two members of a geospatial index",
         since="3.2.0")
def geodist_command(c, argv):
    to_meters = 1.0
    if len(argv) == 5:
        to_meters = _unit(argv[4])
    elif len(argv) > 5:
        raise CommandError(errors.SYNTAX)
    z = _zset_read(c.db, argv[1])
    if z is None:
        c.w.null()
        return
    s1 = z.dict.get(argv[2])
    s2 = z.dict.get(argv[3])
    if s1 is None or s2 is None:
        c.w.null()
        return
    lon1, lat1 = geohash.score_to_lonlat(s1)
    lon2, lat2 = geohash.score_to_lonlat(s2)
    c.w.bulk(geohash.format_distance(geohash.distance(lon1, lat1, lon2, lat2) / to_meters))


@command("geohash", -2, "readonly", (1, 1, 1), G,
         "Returns members of a geospatial index as standard geohash strings", since="3.2.0")
def geohash_command(c, argv):
    z = _zset_read(c.db, argv[1])
    w = c.w
    w.array(len(argv) - 2)
    get = z.dict.get if z is not None else {}.get
    for member in argv[2:]:
        score = get(member)
        if score is None:
            w.null()
        else:
            w.bulk(geohash.geohash_string(score))


@command("geopos", -2, "readonly", (1, 1, 1), G,
         "Returns longitude and latitude of members of a geospatial index", since="3.2.0")
def geopos_command(c, argv):
    z = _zset_read(c.db, argv[1])
    w = c.w
    w.array(len(argv) - 2)
    get = z.dict.get if z is not None else {}.get
    write_coord = geohash.write_coord
    for member in argv[2:]:
        score = get(member)
        if score is None:
            w.null_array()
        else:
            lon, lat = geohash.score_to_lonlat(score)
            w.array(2)
            write_coord(w, lon)
            write_coord(w, lat)


# -- GEOSEARCH, GEOSEARCHSTORE, GEORADIUS* -------------------------------------------------------------------
def georadius_generic(c, argv, src_index: int, flags: int):
    """georadiusGeneric: every search command, by flags. Errors come in Redis's order: the source key's type,
    the centre and radius of GEORADIUS*, then the options one by one, then their combinations."""
    db = c.db
    z = _zset_read(db, argv[src_index])
    storekey = None
    storedist = False
    box = 0
    lon = lat = radius = width = height = conversion = 0.0
    if flags & RADIUS_COORDS:
        base = 6
        lon, lat = _lonlat(argv, 2)
        radius, conversion = _radius(argv, 4)
    elif flags & RADIUS_MEMBER:
        base = 5
        # Without the key the options are still parsed (for their errors and the reply shape), not the rest.
        if z is not None:
            lon, lat = _member_lonlat(z, argv[2])
            radius, conversion = _radius(argv, 3)
    else:
        base = 2
        if flags & GEOSEARCHSTORE:
            base = 3
            storekey = argv[1]

    withdist = withhash = withcoord = False
    frommember = fromloc = byradius = bybox = False
    sort = SORT_NONE
    any_ = False
    count = 0
    can_store = not flags & (RADIUS_NOSTORE | GEOSEARCH)
    n = len(argv)
    i = base
    while i < n:
        arg = _word(argv[i])
        left = n - i - 1    # arguments after this one
        if arg == b"withdist":
            withdist = True
        elif arg == b"withhash":
            withhash = True
        elif arg == b"withcoord":
            withcoord = True
        elif arg == b"any":
            any_ = True
        elif arg == b"asc":
            sort = SORT_ASC
        elif arg == b"desc":
            sort = SORT_DESC
        elif arg == b"count" and left >= 1:
            count = int_arg(argv[i + 1])
            if count <= 0:
                raise CommandError("ERR COUNT must be > 0")
            i += 1
        elif arg == b"store" and left >= 1 and can_store:
            storekey = argv[i + 1]
            storedist = False
            i += 1
        elif arg == b"storedist" and left >= 1 and can_store:
            storekey = argv[i + 1]
            storedist = True
            i += 1
        elif arg == b"storedist" and flags & GEOSEARCHSTORE:
            storedist = True
        elif arg == b"frommember" and left >= 1 and flags & GEOSEARCH and not fromloc:
            if z is not None:
                lon, lat = _member_lonlat(z, argv[i + 1])
            frommember = True
            i += 1
        elif arg == b"fromlonlat" and left >= 2 and flags & GEOSEARCH and not frommember:
            lon, lat = _lonlat(argv, i + 1)
            fromloc = True
            i += 2
        elif arg == b"byradius" and left >= 2 and flags & GEOSEARCH and not bybox:
            radius, conversion = _radius(argv, i + 1)
            box = 0
            byradius = True
            i += 2
        elif arg == b"bybox" and left >= 3 and flags & GEOSEARCH and not byradius:
            width, height, conversion = _box(argv, i + 1)
            box = 1
            bybox = True
            i += 3
        else:
            raise CommandError(errors.SYNTAX)
        i += 1

    if storekey is not None and (withdist or withhash or withcoord):
        what = "GEOSEARCHSTORE" if flags & GEOSEARCHSTORE else "STORE option in GEORADIUS"
        raise CommandError(f"ERR {what} is not compatible with WITHDIST, WITHHASH and WITHCOORD options")
    if flags & GEOSEARCH and not (frommember or fromloc):
        raise CommandError(b"ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " + _c_str(argv[0]))
    if flags & GEOSEARCH and not (byradius or bybox):
        raise CommandError(b"ERR exactly one of BYRADIUS and BYBOX can be specified for " + _c_str(argv[0]))
    if any_ and not count:
        raise CommandError("ERR the ANY argument requires COUNT argument")

    w = c.w
    if z is None:
        if storekey is not None:
            if db.delete(storekey):
                c.server.dirty += 1
            w.integer(0)
        else:
            w.array(0)
        return

    # COUNT keeps the nearest points, so it sorts unless ANY asked for the first ones found.
    if count and sort == SORT_NONE and not any_:
        sort = SORT_ASC
    ga = geohash.search(z, box, lon, lat, radius, width, height, conversion, count if any_ else 0)
    found = len(ga)
    if not found and storekey is None:
        w.array(0)
        return
    returned = found if count == 0 or found < count else count
    ga.sort(sort, returned)
    if storekey is None:
        ga.write(w, returned, conversion, withdist, withhash, withcoord)
        return
    if returned:
        members, scores = ga.pairs(returned, conversion, storedist)
        _store(c, storekey, members, scores)
        c.server.dirty += returned
    elif db.delete(storekey):
        c.server.dirty += 1
    w.integer(returned)


def _store(c, key, members, scores):
    """Replace key with a zset of the results, encoded as Redis would convert it (built as a skiplist, then a
    listpack if small enough)."""
    z = ZSetValue()
    z.listpack = False
    add = z.add
    for m, s in zip(members, scores):
        add(m, s)
    max_entries, max_value = listpack_limits(c.server.config)
    if len(z) <= max_entries and max(map(len, members)) <= max_value:
        z.to_listpack()
    c.db.set(key, z)


def _c_str(b: bytes) -> bytes:
    """A command name as Redis prints it with %s (a NUL byte ends it)."""
    i = b.find(b"\0")
    return b if i < 0 else b[:i]


def _store_keys(start: int):
    """GEORADIUS[BYMEMBER]'s key positions as Redis's key specs find them: the source, then the argument after
    the first STORE and the first STOREDIST from `start` on (a keyword in the last position names no key)."""

    def keys(argv):
        out = [1]
        last = len(argv) - 1
        for word in (b"store", b"storedist"):
            for i in range(start, last):
                if _word(argv[i]) == word:
                    out.append(i + 1)
                    break
        return out

    return keys


@command("geosearch", -7, "readonly", (1, 1, 1), G,
         "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle.",
         since="6.2.0")
def geosearch_command(c, argv):
    georadius_generic(c, argv, 1, GEOSEARCH)


@command("geosearchstore", -8, "write denyoom", (1, 2, 1), G,
         "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle, "
         "and store the result in another key.", since="6.2.0")
def geosearchstore_command(c, argv):
    georadius_generic(c, argv, 2, GEOSEARCH | GEOSEARCHSTORE)


@command("georadius", -6, "write denyoom movablekeys", (1, 1, 1), G,
         "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance "
         "from a point", since="3.2.0", keys_fn=_store_keys(6))
def georadius_command(c, argv):
    georadius_generic(c, argv, 1, RADIUS_COORDS)


@command("georadiusbymember", -5, "write denyoom movablekeys", (1, 1, 1), G,
         "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance "
         "from a member", since="3.2.0", keys_fn=_store_keys(5))
def georadiusbymember_command(c, argv):
    georadius_generic(c, argv, 1, RADIUS_MEMBER)


@command("georadius_ro", -6, "readonly", (1, 1, 1), G, "A read-only variant for GEORADIUS", since="3.2.10")
def georadius_ro_command(c, argv):
    georadius_generic(c, argv, 1, RADIUS_COORDS | RADIUS_NOSTORE)


@command("georadiusbymember_ro", -5, "readonly", (1, 1, 1), G, "A read-only variant for GEORADIUSBYMEMBER",
         since="3.2.10")
def georadiusbymember_ro_command(c, argv):
    georadius_generic(c, argv, 1, RADIUS_MEMBER | RADIUS_NOSTORE)
