# The worker image (also runs the Kling simulator for the compose trial profile).
# Debian slim, not Alpine: the Temporal SDK's native core is built against glibc.
# Both stages use the same pinned base so the node_modules built in the first run unchanged in the second.

FROM node:20.20.2-bookworm-slim AS build
WORKDIR /app
# Dependencies first, so editing the sources does not invalidate the `npm ci` layer.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/bundle-workflows.ts scripts/
COPY src/ src/
# Compiles src/ to dist/ and pre-builds dist/workflow-bundle.js, so replicas start without webpack and all run
# byte-identical workflow code; then drops the build-only packages.
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:20.20.2-bookworm-slim AS runtime
ENV NODE_ENV=production \
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js
WORKDIR /app
# Root-owned and read-only for the process: the worker needs no writable path (its state lives in PostgreSQL).
# package.json comes along for its "type": "module", which the compiled ESM in dist/ needs.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules/ node_modules/
COPY --from=build /app/dist/ dist/
# The base image's unprivileged account.
USER node
# Exec form: node is PID 1 and receives SIGTERM itself, so the SDK drains in-flight activities before exiting.
CMD ["node", "dist/worker.js"]
