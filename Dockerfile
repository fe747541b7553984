# jirasync: a two-stage image. The build stage resolves the locked dependencies with uv into a
# virtual environment; the runtime stage copies only that environment, runs as an unprivileged
# user, keeps its state (SQLite database, generated key) in the /var/lib/jirasync volume and
# reports its health from /healthz.
#
#   docker build -t jirasync .
#   docker run -p 8000:8000 -v jirasync-data:/var/lib/jirasync jirasync
#
# See deploy/docker-compose.yml for PostgreSQL and several processes, docs/operations.md for
# the rest.

ARG PYTHON_VERSION=3.12

FROM python:${PYTHON_VERSION}-slim AS build
ARG UV_VERSION=0.13.9
RUN pip install --no-cache-dir "uv==${UV_VERSION}"
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/jirasync
WORKDIR /build
# Dependencies first, in their own layer: rebuilt only when the lock file changes.
COPY pyproject.toml uv.lock ./
RUN uv sync --locked --no-dev --no-install-project
COPY README.md ./
COPY src ./src
RUN uv sync --locked --no-dev --no-editable

FROM python:${PYTHON_VERSION}-slim AS runtime
RUN groupadd --system --gid 10001 jirasync \
    && useradd --system --uid 10001 --gid jirasync --no-create-home \
       --home-dir /var/lib/jirasync --shell /usr/sbin/nologin jirasync \
    && install -d -o jirasync -g jirasync -m 0700 /var/lib/jirasync
COPY --from=build /opt/jirasync /opt/jirasync
ENV PATH=/opt/jirasync/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    JIRASYNC_HOST=0.0.0.0 \
    JIRASYNC_PORT=8000 \
    JIRASYNC_DATA_DIR=/var/lib/jirasync \
    JIRASYNC_DATABASE_URL=sqlite+aiosqlite:////var/lib/jirasync/jirasync.db \
    JIRASYNC_LOG_FORMAT=json
WORKDIR /var/lib/jirasync
# Numeric, so that orchestrators can verify the user is not root (runAsNonRoot).
USER 10001:10001
VOLUME ["/var/lib/jirasync"]
EXPOSE 8000
# The standard library only: the slim image has no curl, and the CLI would take seconds to load.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; r.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('JIRASYNC_PORT', '8000'), timeout=4)"]
ENTRYPOINT ["jirasync"]
CMD ["serve"]
