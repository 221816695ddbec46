import type { HostRecord } from "./host/model.ts";
import { PERSONAS, type Persona } from "./personas.ts";
import { readHost, updateHost } from "./host/store.ts";
import { createClock, parseTimeFactor, type SimClock } from "./host/timing.ts";

/** What a simulated tool (xl, xm, ssh) gets from its process; bin/ builds it, tests pass a capture. */
export interface ToolIo {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Binary stdin and stdout, for tools that speak a byte protocol (xl migrate-receive); absent in-process. */
  readonly input?: NodeJS.ReadableStream;
  readonly output?: NodeJS.WritableStream;
}

/** A tool's view of the host it runs on. */
export interface SimContext {
  readonly root: string;
  readonly host: string;
  readonly persona: Persona;
  readonly clock: SimClock;
  readonly io: ToolIo;
  read(): HostRecord;
  update<T>(change: (record: HostRecord) => T): T;
}

/** Thrown to end a simulated tool with an exit code, as the C code's exit() calls do. */
export class ToolExit extends Error {
  override readonly name = "ToolExit";
  readonly code: number;
  constructor(code: number) {
    super(`exit ${code}`);
    this.code = code;
  }
}

export const ENV_ROOT = "XEN_SIM_ROOT";
export const ENV_HOST = "XEN_SIM_HOST";
export const ENV_TIME_FACTOR = "XEN_SIM_TIME_FACTOR";

/** The clock of a host: its own time factor unless XEN_SIM_TIME_FACTOR overrides it, plus timing knobs. */
export function clockFor(record: HostRecord, env: Readonly<Record<string, string | undefined>>): SimClock {
  const override = parseTimeFactor(env[ENV_TIME_FACTOR] ?? "");
  return createClock(override ?? record.timeFactor, record.knobs.timing);
}

export function simContext(root: string, host: string, io: ToolIo): SimContext {
  const record = readHost(root, host);
  return {
    root,
    host,
    persona: PERSONAS[record.persona],
    // read afresh each time: long-lived monitors must see timing knobs changed after they started
    get clock() {
      return clockFor(readHost(root, host), io.env);
    },
    io,
    read: () => readHost(root, host),
    update: (change) => updateHost(root, host, change),
  };
}

/** printf-style helpers for the fixed-width layouts xl and xm print. */
export const padRight = (text: string, width: number): string => text.padEnd(width);
export const padLeft = (text: string | number, width: number): string => String(text).padStart(width);
