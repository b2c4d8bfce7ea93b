import express, { type ErrorRequestHandler, type RequestHandler, Router } from "express";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { pathPrefixBranch } from "../../../src/http/path-prefix.js";

/** An app with a `/v1` branch, a router after it that records what reaches it, and a 404. */
function appWithBranch() {
  const reachedAfter: string[] = [];
  const branch = Router();
  branch.get("/v1/things", (_req, res) => {
    res.json({ from: "branch" });
  });
  branch.get("/v1/fails", () => {
    throw Object.assign(new Error("boom"), { status: 418 });
  });
  const unanswered: RequestHandler = (_req, res) => {
    res.status(404).json({ from: "unanswered" });
  };
  const app = express();
  app.use(pathPrefixBranch("/v1", branch, unanswered));
  app.use((req, _res, next) => {
    reachedAfter.push(req.path);
    next();
  });
  app.get("/v1x", (_req, res) => {
    res.json({ from: "after" });
  });
  app.use((_req, res) => {
    res.status(404).json({ from: "app" });
  });
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    res.status(err.status ?? 500).json({ from: "error handler" });
  };
  app.use(onError);
  return { app, reachedAfter, branch };
}

describe("pathPrefixBranch", () => {
  it("answers the prefix's paths from the branch alone, past the routers after it", async () => {
    const { app, reachedAfter } = appWithBranch();
    expect((await request(app).get("/v1/things")).body).toEqual({ from: "branch" });
    // Matched without regard to case or a trailing slash, as express's routes match.
    expect((await request(app).get("/V1/Things/")).body).toEqual({ from: "branch" });
    expect(reachedAfter).toEqual([]);
  });

  it("hands a path the branch leaves unanswered to `unanswered`, not to the routers after it", async () => {
    const { app, reachedAfter } = appWithBranch();
    const res = await request(app).get("/v1/nothing-here");
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ from: "unanswered" });
    expect((await request(app).get("/v1")).body).toEqual({ from: "unanswered" });
    expect(reachedAfter).toEqual([]);
  });

  it("passes the branch's errors on to the app's error handler", async () => {
    const { app } = appWithBranch();
    const res = await request(app).get("/v1/fails");
    expect(res.status).toBe(418);
    expect(res.body).toEqual({ from: "error handler" });
  });

  it("lets every other path go on, including one that merely starts with the prefix's letters", async () => {
    const { app, reachedAfter } = appWithBranch();
    expect((await request(app).get("/v1x")).body).toEqual({ from: "after" });
    expect((await request(app).get("/elsewhere")).body).toEqual({ from: "app" });
    expect(reachedAfter).toEqual(["/v1x", "/elsewhere"]);
  });

  it("shows the branch's routes to whatever walks the app's router stack", () => {
    const { branch } = appWithBranch();
    const handler = pathPrefixBranch("/v1", branch, () => {});
    expect((handler as unknown as { stack: unknown }).stack).toBe(
      (branch as unknown as { stack: unknown }).stack,
    );
  });
});
