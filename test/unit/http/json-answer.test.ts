import express from "express";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { answerJson } from "../../../src/http/json-answer.js";

/** Two routes answering the same value: through express's res.json, and answerJson. */
function appAnswering(value: object, status: number) {
  const app = express();
  // As the node's app (src/http/app.ts): no ETag.
  app.set("etag", false);
  app.disable("x-powered-by");
  app.post("/express", (_req, res) => {
    res.status(status).json(value);
  });
  app.post("/direct", (_req, res) => {
    answerJson(res, status, value);
  });
  return app;
}

const headersOf = (res: request.Response) => {
  const { date: _date, ...rest } = res.headers;
  return rest;
};

describe("answerJson", () => {
  it.each([
    ["a small object", { booking_id: "bkg_1", status: "confirmed" }, 201],
    ["text beyond ASCII", { title: "Réunion — 会議 🗓", note: "<b>&</b>" }, 200],
    ["a body over 1,000 bytes", { pad: "x".repeat(3_000), list: [1, 2, 3] }, 202],
  ])("sends %s with the bytes and headers of res.status().json()", async (_name, value, status) => {
    const app = appAnswering(value, status);
    const viaExpress = await request(app).post("/express").buffer(true);
    const direct = await request(app).post("/direct").buffer(true);
    expect(direct.status).toBe(status);
    expect(direct.text).toBe(viaExpress.text);
    expect(headersOf(direct)).toEqual(headersOf(viaExpress));
    expect(JSON.parse(direct.text)).toEqual(value);
  });
});
