# Production image of the hospital node (API, worker and one-shot jobs share it).
# Stage 1 builds the virtual environment (compilers stay here); stage 2 builds the officer console
# (Vue, from console/package-lock.json); stage 3 runs both as a non-root user, the console at /console.
# Ray (Flower's simulation engine) is left out: deployed federated training uses SuperLink/SuperNodes.
# Build with `--build-arg EXTRAS=fl-simulation` to include it.
FROM python:3.11-slim-bookworm AS build
ARG EXTRAS=""
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml constraints.txt README.md ./
COPY node ./node
COPY chain_adapter ./chain_adapter
COPY connectors ./connectors
COPY region ./region
RUN /opt/venv/bin/pip install -c constraints.txt ".${EXTRAS:+[$EXTRAS]}"

FROM node:20-bookworm-slim AS console
WORKDIR /console
COPY console/package.json console/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY console/index.html ./index.html
COPY console/vite.config.js ./vite.config.js
COPY console/src ./src
RUN npm run build

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/venv/bin:$PATH \
    NODE_DATA_DIR=/var/lib/hnode NODE_POLICY_DIR=/app/policies NODE_CONSOLE_DIR=/app/console/dist
RUN useradd --create-home --uid 10001 hnode \
 && mkdir -p /var/lib/hnode \
 && chown hnode:hnode /var/lib/hnode \
 && chmod 700 /var/lib/hnode
COPY --from=build /opt/venv /opt/venv
COPY policies /app/policies
COPY --from=console /console/dist /app/console/dist
WORKDIR /app
USER hnode
# a fresh named volume takes the ownership and mode of this directory
VOLUME ["/var/lib/hnode"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/ready', timeout=3)"
CMD ["hnode", "serve"]
