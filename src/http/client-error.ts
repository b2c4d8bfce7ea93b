/**
 * Requests node's HTTP parser refuses before express sees them (a raw non-ASCII byte or a
 * space in the path, a malformed header) get the node's JSON error shape, not a bare 400.
 */
import type { Server } from "node:http";
import type { Duplex } from "node:stream";
import { InvalidRequestError } from "../errors.js";
import { statusOf } from "./error-status.js";

const BARE: Record<string, string> = {
  // As node answers them by default.
  HPE_HEADER_OVERFLOW: "431 Request Header Fields Too Large",
  HPE_CHUNK_EXTENSIONS_OVERFLOW: "413 Payload Too Large",
  ERR_HTTP_REQUEST_TIMEOUT: "408 Request Timeout",
};

function answer(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  const bare = err.code ? BARE[err.code] : undefined;
  if (bare) {
    socket.end(`HTTP/1.1 ${bare}\r\nConnection: close\r\n\r\n`);
    return;
  }
  const error = new InvalidRequestError(
    "Malformed HTTP request: the request line or a header is not valid (a path must be ASCII; percent-encode anything else)",
  );
  const body = JSON.stringify(error.payload);
  socket.end(
    `HTTP/1.1 ${statusOf(error.code)} Bad Request\r\n` +
      "Content-Type: application/json; charset=utf-8\r\n" +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `Connection: close\r\n\r\n${body}`,
  );
}

/** Installs the JSON answer to requests the HTTP parser refuses. */
export function answerClientErrorsWithJson(server: Server): void {
  server.on("clientError", answer);
}
