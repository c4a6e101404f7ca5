"""kvs._core.numbers helpers that are not reached through a command's differential test."""
import pytest

from kvs._core.numbers import atoi


@pytest.mark.parametrize("text,value", [
    (b"123", 123), (b"  42xyz", 42), (b"-7", -7), (b"+5", 5), (b"", 0), (b"abc", 0), (b"-", 0), (b"1-2", 1),
    (b"1700000000", 1700000000),
])
def test_atoi_reads_the_leading_integer_like_c(text, value):
    assert atoi(text) == value
