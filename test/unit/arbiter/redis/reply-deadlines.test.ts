import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { ReplyDeadlines } from "../../../../src/arbiter/redis/reply-deadlines.js";

describe("ReplyDeadlines", () => {
  it("expires a command whose reply did not come within the deadline, and only it", async () => {
    const deadlines = new ReplyDeadlines(50);
    const expired: string[] = [];
    const answered = deadlines.watch(() => expired.push("answered"));
    deadlines.watch(() => expired.push("silent"));
    answered.done = true;
    await sleep(20);
    expect(expired).toEqual([]);
    await sleep(200);
    expect(expired).toEqual(["silent"]);
  });

  it("expires each command once, in the order they were sent, and stops its timer when idle", async () => {
    const deadlines = new ReplyDeadlines(30);
    const expired: number[] = [];
    for (let i = 0; i < 5; i++) deadlines.watch(() => expired.push(i));
    await sleep(200);
    expect(expired).toEqual([0, 1, 2, 3, 4]);
    expect(deadlines.size).toBe(0);
    // A timer left running would keep a process with nothing in flight alive.
    expect(process.getActiveResourcesInfo().filter((r) => r === "Timeout").length).toBe(0);
  });

  it("never expires a command before its own full deadline, however late it was sent", async () => {
    const deadlines = new ReplyDeadlines(100);
    const waited: number[] = [];
    const watchAt = () => {
      const sent = performance.now();
      deadlines.watch(() => waited.push(performance.now() - sent));
    };
    watchAt();
    await sleep(60);
    watchAt();
    await sleep(400);
    expect(waited).toHaveLength(2);
    for (const ms of waited) expect(ms).toBeGreaterThanOrEqual(100);
  });
});
