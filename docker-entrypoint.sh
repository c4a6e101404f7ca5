#!/bin/sh
# Like the official redis image: `docker run kvs --port 7000` or `docker run kvs /etc/kvs/kvs.conf` both run the
# server with those arguments.
set -e

# First argument is an option (`--port`) or a config file: run kvs-server with all of them.
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
    set -- kvs-server "$@"
fi

if [ "$1" = "kvs-server" ]; then
    # Inside a container clients arrive through the published port, not loopback: unless a config file is given
    # or the user chose protected-mode, turn it off as the official redis image does.
    case " $* " in
        *".conf "*|*" --protected-mode "*) ;;
        *) set -- "$@" --protected-mode no ;;
    esac
fi

exec "$@"
