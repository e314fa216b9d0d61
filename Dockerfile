# The collector daemon (`liquidity serve`), installed from this repository with the QuestDB extra.
# Build: docker build -t liquidity .   Run: see docker-compose.yml and README "Production set-up".
# No secret is baked in: they come at run time from /run/secrets (compose secrets) or the environment.

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN python -m venv /opt/liquidity \
    && /opt/liquidity/bin/pip install ".[questdb]"

FROM python:3.11-slim-bookworm
RUN groupadd --system --gid 10001 liquidity \
    && useradd --system --uid 10001 --gid liquidity --home-dir /var/lib/liquidity \
       --shell /usr/sbin/nologin liquidity \
    && install -d -o liquidity -g liquidity -m 0750 /var/lib/liquidity
COPY --from=build /opt/liquidity /opt/liquidity
ENV PATH=/opt/liquidity/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/var/lib/liquidity \
    LIQUIDITY_METRICS_ADDR=0.0.0.0 \
    LIQUIDITY_METRICS_PORT=9108 \
    LIQUIDITY_SPOOL_PATH=/var/lib/liquidity/spool.sqlite \
    LIQUIDITY_DUCKDB_PATH=/var/lib/liquidity/liquidity.duckdb \
    LIQUIDITY_LOG_JSON=true
USER liquidity:liquidity
WORKDIR /var/lib/liquidity
EXPOSE 9108
# slim has no curl: the standard library asks /healthz (200 while the process is up).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('LIQUIDITY_METRICS_PORT', '9108') + '/healthz', timeout=4)"]
ENTRYPOINT ["liquidity"]
CMD ["serve"]
