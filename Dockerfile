# Production image of the broadcast-relay worker and callback service.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The Temporal binaries are for local development and tests only; production connects to a real cluster.
ENV SKIP_TEMPORAL_BINARIES=1 SKIP_CHROMIUM_INSTALL=1
RUN npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/lib ./lib
USER node
# Cap the heap so the SDK's workflow-cache sizing follows the container's memory (sdk-typescript #1843).
ENV NODE_OPTIONS=--max-old-space-size=768
CMD ["node", "lib/worker.js"]
