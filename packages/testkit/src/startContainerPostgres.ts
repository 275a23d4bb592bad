/**
 * A Postgres server in a container (testcontainers backend; only when
 * `dockerAvailable()`). Its `adminUrl` can be passed to `createTestDatabase`.
 */
export const CONTAINER_POSTGRES_IMAGE = "postgres:15.8-alpine"

export interface ContainerPostgres {
  /** Superuser URL on the maintenance database. */
  readonly adminUrl: string
  stop(): Promise<void>
}

export const startContainerPostgres = async (): Promise<ContainerPostgres> => {
  const { GenericContainer, Wait } = await import("testcontainers")
  const container = await new GenericContainer(CONTAINER_POSTGRES_IMAGE)
    .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: "trust" })
    .withExposedPorts(5432)
    // The entrypoint starts a temporary server first; the second message is the real one.
    .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
    .start()
  return {
    adminUrl: `postgres://postgres@${container.getHost()}:${container.getMappedPort(5432)}/postgres`,
    stop: async () => {
      await container.stop()
    }
  }
}
