import type { CommandResult } from "../exec/command.ts";
import type { TableParse } from "./list-table.ts";
import type { LongParse } from "./list-long.ts";
import type { UuidRow } from "./list-verbose.ts";
import type { MigrationAffix } from "./migration-names.ts";
import type { DomainMemory, ShutdownMode, ToolstackName } from "./toolstack.ts";

/** What `migrate` needs beyond the domain and the target address (xl only; xm relocates through xend). */
export interface MigrateSettings {
  /** xl: the whole transport command (`-s`), already checked; xl runs it with `sh -c`. */
  readonly sshCommand: string;
  /** xl: a config file to send instead of the stored one (`-C`), an absolute path. */
  readonly config: string | undefined;
}

/** What one toolstack can do that the other cannot: data the agents ask, instead of comparing names. */
export interface ToolstackFeatures {
  /** Save to and restore from image files (`xl save` / `xl restore`): save_dir. */
  readonly saveImages: boolean;
  /** A configuration sent with the domain on migration (`xl migrate -C`): migration_config. */
  readonly migrateWithConfig: boolean;
  /** Configuration files are Python (xm, xend): one xl's parser refuses may still be valid, so it is read leniently. */
  readonly pythonConfigs: boolean;
}

/** Where xl and xm differ: texts, arguments and formats. Behaviour shared by both lives in build-toolstack.ts. */
export interface Dialect {
  readonly name: ToolstackName;
  readonly features: ToolstackFeatures;
  readonly parseList: (stdout: string) => TableParse;
  readonly parseListLong: (stdout: string) => LongParse<readonly DomainMemory[]>;
  /** Only the toolstack's own "no such domain" answer for exactly `target` means absent. */
  readonly saysAbsent: (result: CommandResult, target: string) => boolean;
  readonly createArgs: (configPath: string, name: string) => readonly string[];
  readonly shutdownArgs: (name: string, mode: ShutdownMode) => readonly string[];
  /** xl refuses a PV shutdown of an HVM guest without PV drivers (rc=-10); xm never does. */
  readonly saysNoPvControl: (result: CommandResult) => boolean;
  readonly memSetArgs: (name: string, mib: number) => readonly string[];
  /** The names a migrating domain wears on this toolstack (migration-names.ts). */
  readonly migrationNames: readonly MigrationAffix[];
  readonly migrateArgs: (name: string, address: string, settings: MigrateSettings) => readonly string[];
  /** `xl list -v` (rows with UUIDs); undefined where the toolstack cannot list UUIDs (xm). */
  readonly listUuids: { readonly args: readonly string[]; readonly parse: (stdout: string) => readonly UuidRow[] | undefined } | undefined;
}
