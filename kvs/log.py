"""Logging in Redis's line format: `<pid>:<role> <dd Mon yyyy hh:mm:ss.mmm> <level> <message>`."""
import os
import sys
import time

DEBUG, VERBOSE, NOTICE, WARNING, NOTHING = range(5)
LEVELS = {"debug": DEBUG, "verbose": VERBOSE, "notice": NOTICE, "warning": WARNING, "nothing": NOTHING}
_MARKS = ".-*#"


class Logger:
    """Writes Redis-style log lines to stdout or to the `logfile` (re-opened per line, like Redis, so that
    logrotate can move the file away)."""

    def __init__(self):
        self.level = NOTICE
        self.path = ""
        self.role = "M"  # M master, S replica, C forked child

    def configure(self, level: str, path: str) -> None:
        self.level = LEVELS.get(level, NOTICE)
        self.path = path

    def log(self, level: int, msg: str) -> None:
        if level < self.level:
            return
        now = time.time()
        stamp = time.strftime("%d %b %Y %H:%M:%S", time.localtime(now))
        line = f"{os.getpid()}:{self.role} {stamp}.{int(now * 1000) % 1000:03d} {_MARKS[level]} {msg}\n"
        if self.path:
            try:
                with open(self.path, "a", encoding="utf-8", errors="replace") as f:
                    f.write(line)
                return
            except OSError:
                pass
        sys.stdout.write(line)
        sys.stdout.flush()

    def debug(self, msg: str) -> None:
        self.log(DEBUG, msg)

    def verbose(self, msg: str) -> None:
        self.log(VERBOSE, msg)

    def notice(self, msg: str) -> None:
        self.log(NOTICE, msg)

    def warning(self, msg: str) -> None:
        self.log(WARNING, msg)


log = Logger()
