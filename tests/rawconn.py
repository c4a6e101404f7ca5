"""A raw RESP connection that returns each reply as the exact bytes the server sent."""
import socket


def encode(*args) -> bytes:
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, int):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class RawConn:
    def __init__(self, port, timeout=10.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def close(self):
        self.sock.close()

    def send(self, data: bytes):
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise ConnectionError("closed by server")
        self.buf += chunk

    def _line_end(self, pos):
        while True:
            i = self.buf.find(b"\r\n", pos)
            if i >= 0:
                return i
            self._fill()

    def _skip(self, pos):
        """Position just past one complete reply starting at pos."""
        while len(self.buf) <= pos:
            self._fill()
        t = self.buf[pos:pos + 1]
        end = self._line_end(pos)
        head = self.buf[pos + 1:end]
        pos = end + 2
        if t in b"+-:_,#(":
            return pos
        if t in b"$=!":
            n = int(head)
            if n < 0:
                return pos
            while len(self.buf) < pos + n + 2:
                self._fill()
            return pos + n + 2
        if t in b"*~>%|":
            n = int(head)
            if n < 0:
                return pos
            if t in b"%|":
                n *= 2
            for _ in range(n):
                pos = self._skip(pos)
            return pos
        raise ValueError(f"bad reply type {t!r} in {self.buf[:200]!r}")

    def read_reply(self) -> bytes:
        end = self._skip(0)
        reply, self.buf = self.buf[:end], self.buf[end:]
        return reply

    def call(self, *args) -> bytes:
        self.send(encode(*args))
        return self.read_reply()

    def at_eof(self, timeout=2.0) -> bool:
        """True when the server closed the connection (after sending whatever it had)."""
        self.sock.settimeout(timeout)
        try:
            while True:
                chunk = self.sock.recv(1 << 16)
                if not chunk:
                    return True
                self.buf += chunk
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True
