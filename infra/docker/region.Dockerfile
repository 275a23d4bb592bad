# The region deployable as a container (docker compose service region-<region>).
# Build context: the repository root (infra/docker-compose.yml sets it).
# Node 24 strips TypeScript types natively: the sources run as they are.
FROM node:24-bookworm-slim
WORKDIR /app
# Workspaces need every packages/*/package.json; the sources come along (small).
COPY package.json package-lock.json ./
COPY packages ./packages
# Runtime dependencies only: vitest, typescript and the other dev tools stay out of the image.
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error
ENV NODE_ENV=production
COPY sites ./sites
COPY infra ./infra
ENV LOGIMESH_SITES_DIR=/app/sites HTTP_HOST=0.0.0.0 HTTP_PORT=8080
EXPOSE 8080
USER node
# --max-semi-space-size: see REGION_NODE_FLAGS in packages/topology/src/ComponentRunner.ts.
CMD ["node", "--max-semi-space-size=128", "packages/region/src/main.ts"]
