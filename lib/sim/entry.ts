import type { ToolIo } from "./context.ts";
import { ENV_HOST, ENV_ROOT } from "./context.ts";

/** Where a simulator executable runs: the root and host its launcher fixed. */
export function simTarget(io: ToolIo): { root: string; host: string } | undefined {
  const root = io.env[ENV_ROOT];
  const host = io.env[ENV_HOST];
  if (!root || !host) {
    io.stderr(`xen-ha sim: ${ENV_ROOT} and ${ENV_HOST} must be set (use a launcher from \`xen-ha sim env\`)\n`);
    return undefined;
  }
  return { root, host };
}
