# syntax=docker/dockerfile:1
# Build stage: compile the Cython core into a wheel.
FROM python:3.11-slim-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY kvs ./kvs
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

# Runtime stage: no compiler, only the wheels.
FROM python:3.11-slim-bookworm
RUN groupadd --system --gid 999 kvs \
    && useradd --system --uid 999 --gid kvs --home-dir /data --no-create-home kvs \
    && mkdir /data && chown kvs:kvs /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
VOLUME /data
WORKDIR /data
USER kvs
EXPOSE 6379
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
    CMD ["python", "-c", "import socket; s = socket.create_connection(('127.0.0.1', 6379), 2); s.sendall(b'PING\\r\\n'); assert s.recv(7) == b'+PONG\\r\\n'"]
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["kvs-server"]
