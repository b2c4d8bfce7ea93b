/** MCP clients of the SDK itself, over Streamable HTTP, for the tests of `/mcp`. */
import { isDeepStrictEqual } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { OUTPUT_SCHEMAS } from "../../../src/http/mcp/output-schemas.js";

/**
 * The tools' output schemas as `schemas/mcp/tool-outputs.json` writes them, compiled here
 * apart from the server: every structuredContent a test sees is checked against its file,
 * besides the SDK client's own check against the outputSchema the server published.
 */
const ajv = new Ajv({ strict: true, allErrors: true });
addFormatsModule.default(ajv, { mode: "full" });
const fileValidators = new Map<string, ValidateFunction>(
  Object.entries(OUTPUT_SCHEMAS).map(([name, schema]) => [name, ajv.compile(schema)]),
);

/** Throws unless `content` is what tool `name`'s schema file allows. */
export function checkAgainstSchemaFile(name: string, content: unknown): void {
  const validate = fileValidators.get(name);
  if (!validate) throw new Error(`no output schema file entry for tool ${name}`);
  if (!validate(content))
    throw new Error(
      `${name} structuredContent breaks schemas/mcp/tool-outputs.json: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(content)}`,
    );
}

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
  const { tools } = await client.listTools();
  for (const tool of tools) {
    const file = OUTPUT_SCHEMAS[tool.name as keyof typeof OUTPUT_SCHEMAS];
    if (!isDeepStrictEqual(tool.outputSchema, file))
      throw new Error(
        `tool ${tool.name} publishes another outputSchema than its schema file: ${JSON.stringify(tool.outputSchema)}`,
      );
  }
  return {
    client,
    protocolVersion: transport.protocolVersion,
    async call(name, args = {}) {
      const result = await client.callTool({ name, arguments: args });
      if (result.isError) {
        const text = (result.content as Array<{ type: string; text: string }>)[0]!.text;
        return { isError: true, ...JSON.parse(text) };
      }
      checkAgainstSchemaFile(name, result.structuredContent);
      return result.structuredContent as Record<string, unknown>;
    },
    close: () => client.close(),
  };
}
