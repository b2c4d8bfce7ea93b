# syntax=docker/dockerfile:1
# A Calendario node. Build: docker build -t calendario-node .
# Run:   docker run -p 8080:8080 -e PUBLIC_URL=https://calendar.example.org calendario-node
# (compose.yaml runs it with Redis). test/integration/dockerfile.test.ts performs these
# steps in order in a fresh copy of the repository, so keep RUN paths relative.

# Build stage: every dependency, then the TypeScript build.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the `prepare` script builds, and the sources are not copied yet. The
# npm cache is a build cache, kept out of the image.
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Final stage: production dependencies and the build output, run as the unprivileged
# `node` user of the base image.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY bin ./bin
COPY schemas ./schemas
COPY src/arbiter/redis/lua ./src/arbiter/redis/lua
COPY src/webhooks/redis/lua ./src/webhooks/redis/lua
COPY --from=build /app/dist ./dist
USER node
WORKDIR /home/node
# Made by the node user, so that a volume mounted here starts writable by it.
RUN mkdir -p data profiles
ENV HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/home/node/data \
    PROFILES_DIR=/home/node/profiles
VOLUME ["/home/node/data"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "/app/bin/calendario.js", "serve"]
