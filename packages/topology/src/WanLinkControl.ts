/**
 * Client of a running WAN link process's control port (see wanLinkMain.ts):
 * read its status, cut it, restore it.
 */

export interface WanLinkStatus {
  readonly site: string
  readonly cut: boolean
  readonly listen: string
  readonly target: string
}

const call = async (controlUrl: string, method: "GET" | "POST", path: string): Promise<WanLinkStatus> => {
  const response = await fetch(`${controlUrl}${path}`, { method, signal: AbortSignal.timeout(2_000) })
  if (!response.ok) throw new Error(`${method} ${controlUrl}${path} answered ${response.status}`)
  return (await response.json()) as WanLinkStatus
}

export const wanLinkStatus = (controlUrl: string): Promise<WanLinkStatus> => call(controlUrl, "GET", "/status")
export const cutWanLink = (controlUrl: string): Promise<WanLinkStatus> => call(controlUrl, "POST", "/cut")
export const restoreWanLink = (controlUrl: string): Promise<WanLinkStatus> => call(controlUrl, "POST", "/restore")
