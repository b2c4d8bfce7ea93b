/**
 * The arbiter's conformance suites, unchanged, on a real 3-primary Redis Cluster: every
 * script and command of the store touches one slot, so the same behaviour holds.
 */
import { afterAll } from "vitest";
import { stopSharedCluster } from "../../helpers/store-kinds.js";
import { selectStoreKinds } from "../arbiter/store-harness.js";

selectStoreKinds(["redis-cluster"]);
afterAll(() => stopSharedCluster(), 30_000);

await import("../arbiter/conformance.test.js");
await import("../arbiter/conformance-counters.test.js");
await import("../arbiter/conformance-pending.test.js");
await import("../arbiter/conformance-users.test.js");
await import("../arbiter/conformance-limits.test.js");
await import("../arbiter/arbitration-seniors.test.js");
await import("../arbiter/conformance-notice.test.js");
