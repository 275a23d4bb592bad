/**
 * A JetStream nats-server in a container (testcontainers backend; only when
 * `dockerAvailable()`). Same shape as the process backend's `TestNats` URL.
 */
export const CONTAINER_NATS_IMAGE = "nats:2.9.10-alpine"

export interface ContainerNats {
  readonly url: string
  readonly monitorUrl: string
  stop(): Promise<void>
}

export const startContainerNats = async (): Promise<ContainerNats> => {
  const { GenericContainer, Wait } = await import("testcontainers")
  const container = await new GenericContainer(CONTAINER_NATS_IMAGE)
    .withCommand(["-js", "-m", "8222"])
    .withExposedPorts(4222, 8222)
    .withWaitStrategy(Wait.forHttp("/healthz?js-enabled-only=true", 8222))
    .start()
  const host = container.getHost()
  return {
    url: `nats://${host}:${container.getMappedPort(4222)}`,
    monitorUrl: `http://${host}:${container.getMappedPort(8222)}`,
    stop: async () => {
      await container.stop()
    }
  }
}
