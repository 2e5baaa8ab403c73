import type { HardhatRuntimeEnvironment } from "hardhat/types";

export interface ForkInfo {
  chainId: number;
  forkBlockNumber: number;
}

/** The fork the Hardhat network runs on, or null for a fresh in-process chain (or any other network). */
export async function forkInfo(hre: HardhatRuntimeEnvironment): Promise<ForkInfo | null> {
  if (hre.network.name !== "hardhat") return null;
  const metadata = (await hre.network.provider.send("hardhat_metadata")) as { forkedNetwork?: ForkInfo | null };
  return metadata.forkedNetwork ?? null;
}

/**
 * Serves the runtime's network over HTTP JSON-RPC, exactly as `npx hardhat node` does, on a free port of 127.0.0.1:
 * what the embedded service reads when the chain is the in-process one (the demo, tests).
 */
export async function serveChain(hre: HardhatRuntimeEnvironment): Promise<{ url: string; close(): Promise<void> }> {
  // Loaded here, not at the top: tasks import this file while Hardhat loads its configuration.
  const { JsonRpcServer } = await import("hardhat/internal/hardhat-network/jsonrpc/server");
  const server = new JsonRpcServer({ hostname: "127.0.0.1", port: 0, provider: hre.network.provider });
  const { port } = await server.listen();
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      // A fork of this chain (a rehearsal) keeps its HTTP connections alive; close them, or close() waits forever.
      (server as unknown as { _httpServer: import("node:http").Server })._httpServer.closeAllConnections();
      await server.close();
    },
  };
}
