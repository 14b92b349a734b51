# Production image of the hospital node (API, worker and one-shot jobs share it).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN useradd --create-home --uid 10001 hnode
WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY node ./node
COPY chain_adapter ./chain_adapter
COPY connectors ./connectors
COPY region ./region
COPY policies ./policies
RUN pip install -c constraints.txt .
USER hnode
ENV NODE_DATA_DIR=/var/lib/hnode NODE_POLICY_DIR=/app/policies
EXPOSE 8080
CMD ["hnode", "serve"]
