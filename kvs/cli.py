"""Entry point of kvs-server: `kvs-server [/path/to/kvs.conf] [--directive value ...]`, like redis-server."""
import asyncio
import os
import signal
import sys

import kvs
from kvs.log import log


def check_compiled() -> None:
    """Refuse to start on a half-built install: every hot path must be the compiled extension."""
    import importlib
    from importlib.machinery import EXTENSION_SUFFIXES

    from kvs._core import MODULES

    missing = []
    for name in MODULES:
        try:
            mod = importlib.import_module(f"kvs._core.{name}")
        except ImportError:
            missing.append(name)
            continue
        if not (mod.__file__ or "").endswith(tuple(EXTENSION_SUFFIXES)):
            missing.append(name)
    if missing:
        sys.stderr.write(
            "kvs: the compiled core is missing (%s); install with `pip install .` so the Cython modules are "
            "built.\n" % ", ".join(f"kvs._core.{m}" for m in missing))
        raise SystemExit(1)


USAGE = """Usage: ./kvs-server [/path/to/kvs.conf] [options] [-]
       ./kvs-server - (read config from stdin)
       ./kvs-server -v or --version
       ./kvs-server -h or --help

Examples:
       ./kvs-server (run the server with default conf)
       ./kvs-server /etc/redis/6379.conf
       ./kvs-server --port 7777
       ./kvs-server --port 7777 --replicaof 127.0.0.1 8888
       ./kvs-server /etc/myredis.conf --loglevel verbose -
       ./kvs-server /etc/myredis.conf --loglevel verbose
"""


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("-v", "--version"):
        print(f"kvs server v={kvs.__version__} redis_compat={kvs.REDIS_VERSION} bits=64")
        return 0
    if argv and argv[0] in ("-h", "--help"):
        sys.stdout.write(USAGE)
        return 0
    check_compiled()
    from kvs.config import Config, ConfigFileError

    config = Config()
    try:
        # Like redis-server: an optional config file first ("-" = stdin), then --directive value options.
        config.load(None, argv)
    except ConfigFileError as e:
        if e.logged:
            log.warning(e.text)
        else:
            sys.stderr.write(e.text)
        return 1
    return run(config)


def run(config) -> int:
    import uvloop

    from kvs import commands  # noqa: F401  (registers every command)
    from kvs.network import start_listeners
    from kvs.server import Server

    log.configure(config["loglevel"], config["logfile"])
    try:
        os.chdir(config["dir"])
    except OSError as e:
        log.warning(f"Can't chdir to '{config['dir']}': {e.strerror}")
        return 1
    log.notice("oO0OoO0OoO0Oo kvs is starting oO0OoO0OoO0Oo")
    log.notice(f"kvs version={kvs.__version__}, bits=64, pid={os.getpid()}, just started")
    if config.config_file:
        log.notice("Configuration loaded")
    else:
        log.warning("Warning: no config file specified, using the default config. In order to specify a config "
                    "file use kvs-server /path/to/kvs.conf")
    server = Server(config)
    loop = uvloop.new_event_loop()
    server.loop = loop
    asyncio.set_event_loop(loop)

    def on_signal(signame):
        log.warning(f"Received {signame} scheduling shutdown...")
        server.shutdown_asap = True
        server.shutdown_signal = signame

    # Before the port opens and the pidfile appears: a supervisor that signals as soon as either exists must
    # find the handlers in place (a SIGINT inherited as ignored, as under a non-interactive shell, would be lost).
    loop.add_signal_handler(signal.SIGTERM, on_signal, "SIGTERM")
    loop.add_signal_handler(signal.SIGINT, on_signal, "SIGINT")
    try:
        loop.run_until_complete(start_listeners(server, loop))
    except OSError:
        log.warning("Failed listening on port %d (tcp), aborting." % config["port"])
        return 1
    pidfile = config["pidfile"]
    if pidfile:
        try:
            with open(pidfile, "w") as f:
                f.write(f"{os.getpid()}\n")
        except OSError as e:
            log.warning(f"Failed to write PID file: {e.strerror}")
    server.install_config_hooks()

    stopped = loop.create_future()
    server.stop_callback = lambda: stopped.done() or stopped.set_result(None)

    def cron():
        try:
            server.cron()
        except Exception as e:  # the cron must keep running whatever one step did
            log.warning(f"Error in cron: {type(e).__name__}: {e}")
        if not stopped.done():
            loop.call_later(1.0 / server.hz, cron)

    loop.call_later(1.0 / server.hz, cron)
    log.notice("Server initialized")
    # Like Redis, clients can connect while the dump loads: INFO reports the progress, the rest gets -LOADING.
    loaded = server.persistence.start_background_load(loop)
    if loaded is not None:
        loop.run_until_complete(asyncio.wait([loaded, stopped], return_when=asyncio.FIRST_COMPLETED))
        if loaded.done() and loaded.result() is not None:
            server.persistence.report_load_failure(loaded.result())
            return 1
    if not stopped.done():
        log.notice("Ready to accept connections")
        loop.run_until_complete(stopped)
    for srv in server.listeners:
        srv.close()
    for c in list(server.clients.values()):
        c.close()
    loop.run_until_complete(asyncio.sleep(0))
    loop.close()
    return 0
