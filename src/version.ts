import { readFileSync } from "node:fs";
import path from "node:path";
import { PACKAGE_ROOT } from "./paths.js";

export const SOFTWARE_NAME = "calendario-node";
export const SOFTWARE_VERSION: string = JSON.parse(
  readFileSync(path.join(PACKAGE_ROOT, "package.json"), "utf8"),
).version;
export const PROTOCOL_VERSION = "0.1";
