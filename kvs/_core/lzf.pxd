# cython: language_level=3
# LZF (the stream format of liblzf, which Redis uses for RDB strings): compress into a bounded buffer, decompress with
# every bound checked. Declared for cimport by the RDB codec.

cdef size_t lzf_compress_buf(const unsigned char *src, size_t n, unsigned char *dst, size_t cap) noexcept nogil
cdef Py_ssize_t lzf_decompress_buf(const unsigned char *src, size_t n, unsigned char *dst, size_t cap) noexcept nogil
