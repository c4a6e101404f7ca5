"""Compiled hot paths. Every name in MODULES must be importable as a C extension: the server refuses to start
otherwise (a half-built install would silently be slow or wrong)."""

MODULES = ("resp", "engine", "conn", "keyspace", "numbers", "bitops", "hll", "zskiplist", "geohash", "crc64", "lzf", "rdbcodec")
