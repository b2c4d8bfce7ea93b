/** MCP clients of the SDK itself, over Streamable HTTP, for the tests of `/mcp`. */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

/**
 * The SDK's transport, offering `protocolVersion` in `initialize` instead of the SDK's
 * latest: the SDK client has no option for it, and clients of older revisions send it so.
 */
class OlderProtocolTransport extends StreamableHTTPClientTransport {
  constructor(
    url: URL,
    opts: ConstructorParameters<typeof StreamableHTTPClientTransport>[1],
    private readonly offered: string,
  ) {
    super(url, opts);
  }

  override send(
    message: JSONRPCMessage,
    options?: Parameters<StreamableHTTPClientTransport["send"]>[1],
  ): Promise<void> {
    if ("method" in message && message.method === "initialize" && message.params)
      message = { ...message, params: { ...message.params, protocolVersion: this.offered } };
    return super.send(message, options);
  }
}

export interface McpClient {
  client: Client;
  /** The protocol revision the server agreed to. */
  protocolVersion: string | undefined;
  /** tools/call's structuredContent, or the tool error's parsed text. */
  call(name: string, args?: Record<string, unknown>): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** A connected client with `key` as bearer token; lists the tools so results are checked. */
export async function connectMcp(
  url: string,
  key: string,
  opts: { protocolVersion?: string } = {},
): Promise<McpClient> {
  const client = new Client({ name: "calendario-test", version: "1.0.0" });
  const transportOpts = { requestInit: { headers: { Authorization: `Bearer ${key}` } } };
  const endpoint = new URL(`${url}/mcp`);
  const transport =
    opts.protocolVersion === undefined
      ? new StreamableHTTPClientTransport(endpoint, transportOpts)
      : new OlderProtocolTransport(endpoint, transportOpts, opts.protocolVersion);
  await client.connect(transport);
  await client.listTools();
  return {
    client,
    protocolVersion: transport.protocolVersion,
    async call(name, args = {}) {
      const result = await client.callTool({ name, arguments: args });
      if (result.isError) {
        const text = (result.content as Array<{ type: string; text: string }>)[0]!.text;
        return { isError: true, ...JSON.parse(text) };
      }
      return result.structuredContent as Record<string, unknown>;
    },
    close: () => client.close(),
  };
}
