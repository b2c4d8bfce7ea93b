export {
  type ChainCheck,
  eventBody,
  GENESIS_HASH,
  sealEvent,
  sha256Hex,
  verifyChain,
  verifyEventHashes,
} from "./chain.js";
export { type Checkpoint, signCheckpoint } from "./checkpoint.js";
export type { AuditEvent } from "./event.js";
export { type AuditExport, type ExportCheck, verifyAuditExport } from "./verify-export.js";
