import type { CommandResult } from "../exec/command.ts";
import type { MigrateSettings } from "./dialect.ts";
import { DIALECTS } from "./dialects.ts";
import { callFailed, createInvoke } from "./invoke.ts";
import type { ToolstackName, ToolstackOptions } from "./toolstack.ts";

/**
 * The toolstack calls that move a domain: live migration, save and restore,
 * and the rename and unpause that finish a migration whose handshake was
 * lost. Migration, save and restore return the raw result: what a failure
 * means depends on the state both hosts are left in, which the caller
 * looks at (doc/xl-behaviour.md §4.4).
 */
export interface MigrationCommands {
  /** xl: `xl migrate -s CMD [-C CFG] NAME HOST`; xm: `xm migrate --live NAME HOST` (xend's relocation). */
  migrate(name: string, address: string, settings: MigrateSettings, timeoutMs: number): Promise<CommandResult>;
  /** `xl save NAME FILE`: suspends, writes, destroys. */
  save(name: string, file: string, timeoutMs: number): Promise<CommandResult>;
  /** `xl restore FILE`: the domain comes back under the name it was saved with. */
  restore(file: string, timeoutMs: number): Promise<CommandResult>;
  /** Throws an OcfError with the toolstack's words when the rename fails. */
  rename(from: string, to: string): Promise<void>;
  unpause(name: string): Promise<void>;
}

const CONTROL_CAP_MS = 10_000;

export function migrationCommands(tool: ToolstackName, options: ToolstackOptions): MigrationCommands {
  const invoke = createInvoke(tool, options);
  const checked = async (args: readonly string[]): Promise<void> => {
    const result = await invoke(args, CONTROL_CAP_MS);
    if (result.exitCode !== 0) throw callFailed(result);
  };
  return {
    migrate: (name, address, migration, timeoutMs) =>
      invoke(DIALECTS[tool].migrateArgs(name, address, migration), timeoutMs),
    save: (name, file, timeoutMs) => invoke(["save", name, file], timeoutMs),
    restore: (file, timeoutMs) => invoke(["restore", file], timeoutMs),
    rename: (from, to) => checked(["rename", from, to]),
    // xl unpause exits 0 even when it fails: the caller looks at the state afterwards
    unpause: (name) => checked(["unpause", name]),
  };
}
