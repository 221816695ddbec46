import type { CommandResult } from "../exec/command.ts";
import type { TableParse } from "./list-table.ts";
import type { LongParse } from "./list-long.ts";
import type { DomainMemory, ShutdownMode, ToolstackName } from "./toolstack.ts";

/** Where xl and xm differ: texts, arguments and formats. Behaviour shared by both lives in build-toolstack.ts. */
export interface Dialect {
  readonly name: ToolstackName;
  readonly parseList: (stdout: string) => TableParse;
  readonly parseListLong: (stdout: string) => LongParse<readonly DomainMemory[]>;
  /** Only the toolstack's own "no such domain" answer for exactly `target` means absent. */
  readonly saysAbsent: (result: CommandResult, target: string) => boolean;
  readonly createArgs: (configPath: string, name: string) => readonly string[];
  readonly shutdownArgs: (name: string, mode: ShutdownMode) => readonly string[];
  /** xl refuses a PV shutdown of an HVM guest without PV drivers (rc=-10); xm never does. */
  readonly saysNoPvControl: (result: CommandResult) => boolean;
  readonly memSetArgs: (name: string, mib: number) => readonly string[];
  readonly transientNames: (name: string) => readonly string[];
}
