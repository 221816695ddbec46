import type { Env } from "../ocf/context.ts";

/**
 * Everything an agent, a fence agent or a stonith plugin touches of its
 * process. bin/process-io.ts builds the real one, once; tests build one in
 * memory. Nothing under lib/ or agents/ reads process.* itself.
 */
export interface ProcessIo {
  readonly argv: readonly string[];
  readonly env: Env;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** stdin up to its end, within `limits`; only a fence agent given no command line reads it. */
  readonly stdin: (limits: StdinLimits) => Promise<StdinRead>;
  /** Hands one action's syslog lines to the system log, in one call; never throws. */
  readonly syslog: (batch: SyslogBatch) => Promise<void>;
}

export interface StdinLimits {
  readonly maxBytes: number;
  readonly timeoutMs: number;
}

/** The bytes up to EOF, or why there are none (too many, too late, unreadable). */
export type StdinRead = { readonly ok: true; readonly bytes: Uint8Array } | { readonly ok: false; readonly problem: string };

/** Lines already carrying their `<priority>` prefix, and the tag they are logged under. */
export interface SyslogBatch {
  readonly tag: string;
  readonly lines: readonly string[];
}
