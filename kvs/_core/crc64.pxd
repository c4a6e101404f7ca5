# cython: language_level=3
# CRC-64/Jones as Redis uses it (RDB trailer, DUMP payloads): reflected, polynomial 0xad93d23594c935a9, register
# starting at 0, no final xor. Other compiled modules cimport crc64_update to checksum buffers without copies.
from libc.stdint cimport uint64_t

cdef uint64_t crc64_update(uint64_t crc, const unsigned char *p, size_t n) noexcept nogil
