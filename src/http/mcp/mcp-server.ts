/**
 * The MCP server of one POST: the SDK's server and transport, loaded with the first MCP
 * request (the SDK is the largest part of the node's start-up), not when the node starts.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import {
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
} from "@modelcontextprotocol/sdk/types.js";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import type { AgentCaller } from "../../booking/index.js";
import type { Context } from "../../context.js";
import { AppError } from "../../errors.js";
import { SOFTWARE_VERSION } from "../../version.js";
import { statusOf } from "../error-status.js";
import { logFailure } from "../errors.js";
import { TOOL_LIST, toolNamed } from "./tools.js";

const INSTRUCTIONS =
  "Calendario books time on one person's calendar for the agents acting for them. Loop: whoami → get_availability → create_hold → commit_booking. A lost race is a result (outcome: conflict, with the winner and suggested_times), not an error: pick a suggested time and try again. Times are RFC 3339 in UTC (Z); local_* labels are in the user's zone.";

/** A use case's error as a tool error: the model reads the code and the status. */
function toolError(err: unknown, ctx: Context): CallToolResult {
  const mapped = AppError.fromError(err);
  const status = statusOf(mapped.code);
  logFailure(ctx.logger, err, mapped, status, { tool: "mcp" });
  const body = { error: { ...(mapped.payload.error as object), status } };
  return { isError: true, content: [{ type: "text", text: JSON.stringify(body) }] };
}

/**
 * One validator for every request's server: the SDK would otherwise build an Ajv instance
 * per server, that is per request (it checks only elicitation answers, which we never ask).
 */
const sharedValidator = new AjvJsonSchemaValidator();

function mcpServer(ctx: Context, caller: AgentCaller, longPoll: () => AbortSignal): Server {
  const server = new Server(
    { name: "calendario", version: SOFTWARE_VERSION },
    {
      capabilities: { tools: { listChanged: false } },
      instructions: INSTRUCTIONS,
      jsonSchemaValidator: sharedValidator,
    },
  );
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: TOOL_LIST }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const tool = toolNamed(request.params.name);
    if (!tool) throw new McpError(ErrorCode.InvalidParams, `Unknown tool ${request.params.name}`);
    try {
      const result = await tool.run({
        ctx,
        caller,
        args: request.params.arguments,
        signal: extra.signal,
        longPollSignal: () => AbortSignal.any([extra.signal, longPoll()]),
      });
      return {
        structuredContent: result,
        content: [{ type: "text", text: JSON.stringify(result) }],
      };
    } catch (err) {
      return toolError(err, ctx);
    }
  });
  return server;
}

/** Answers one MCP POST with a new server and transport (stateless: any process answers). */
export async function answerMcpPost(
  ctx: Context,
  caller: AgentCaller,
  longPoll: () => AbortSignal,
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
  onClose: () => void,
): Promise<void> {
  const server = mcpServer(ctx, caller, longPoll);
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  res.on("close", () => {
    onClose();
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, body);
}
