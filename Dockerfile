# The chat-lex chat runtime (`chat-lex serve`): see docs/deploy.md, "The runtime image".
#
#   docker build -t chat-lex .                   # Docker Hub base; wheels from PyPI, checked against the lock
#   tools/container/build_local.sh chat-lex      # podman here: a debootstrapped base, a local wheelhouse, no network
#
# Every Python package comes from requirements/runtime.lock, hash-checked; the build backend (setuptools) from its
# pinned, hashed lines in requirements/test.lock. Nothing is resolved at build time.
ARG BASE=python:3.11-slim-bookworm

FROM ${BASE} AS builder
# Empty: the wheels come from PyPI. A folder (build_local.sh mounts one): the wheels come from there alone.
ARG WHEELHOUSE=""
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore
WORKDIR /src
COPY requirements/runtime.lock requirements/test.lock requirements/
# /opt/build holds pip and setuptools for this stage only; /opt/venv, which the image ships, gets no pip at all:
# the build venv's pip installs into it with --python.
RUN awk '/^setuptools==/ { keep = 1 } keep { print } keep && !/\\$/ { exit }' requirements/test.lock > requirements/build.lock \
    && grep -q '^setuptools==' requirements/build.lock \
    && if [ -n "$WHEELHOUSE" ]; then set -- --no-index --find-links "$WHEELHOUSE"; fi \
    && python3 -m venv /opt/build \
    && python3 -m venv --without-pip /opt/venv \
    && /opt/build/bin/pip install --require-hashes --no-deps --only-binary=:all: "$@" -r requirements/build.lock \
    && /opt/build/bin/pip --python /opt/venv/bin/python install --require-hashes --no-deps --only-binary=:all: "$@" \
       -r requirements/runtime.lock
COPY pyproject.toml README.md ./
COPY bot_spec bot_spec
COPY conversation_tests conversation_tests
COPY fulfillment fulfillment
COPY runtime runtime
COPY tools tools
# `pip check` fails the build when the lock lacks a dependency for this interpreter (a marker it was not compiled
# for), instead of an image that dies on its first import.
RUN /opt/build/bin/pip wheel --no-deps --no-build-isolation --no-index --wheel-dir /dist . \
    && /opt/build/bin/pip --python /opt/venv/bin/python install --no-deps --no-index /dist/*.whl \
    && /opt/build/bin/pip --python /opt/venv/bin/python check

FROM ${BASE} AS runtime
# A fixed numeric id, so that orchestrators can check runAsNonRoot and volumes can be prepared for it.
RUN groupadd --gid 10001 chatlex \
    && useradd --no-log-init --uid 10001 --gid 10001 --home-dir /data --no-create-home --shell /usr/sbin/nologin chatlex \
    && mkdir /data \
    && chown 10001:10001 /data
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
# The seed bot, for CHAT_LEX_BOT=local:...; mount another spec folder over it, or point CHAT_LEX_BOT at Lex.
COPY bot_spec/chatbot bot_spec/chatbot
# /data holds what the runtime writes with the local backends: the SQLite store and the local provider's signing key.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    CHAT_LEX_HOST=0.0.0.0 \
    CHAT_LEX_PORT=8000 \
    CHAT_LEX_BOT=local:/app/bot_spec/chatbot \
    CHAT_LEX_STORE=sqlite:/data/chat.db \
    CHAT_LEX_AUTH=local \
    CHAT_LEX_AUTH_KEY_DIR=/data/auth-keys
VOLUME ["/data"]
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 CMD ["python", "-m", "runtime.web.healthcheck"]
ENTRYPOINT ["chat-lex"]
CMD ["serve"]
