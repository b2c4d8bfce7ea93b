/**
 * CPU time a process has used so far (user + system), from Linux's /proc; undefined
 * elsewhere. Server CPU per request is steadier than requests/s on a shared machine.
 */
import { readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100;

export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start at field 3.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
