import type { CommandRunner } from "../exec/command.ts";
import type { UuidRow } from "./list-verbose.ts";
import type { MigrationName } from "./migration-names.ts";

/**
 * What an agent may ask of a Xen toolstack. `xl` (Xen 4.x) and `xm` (Xen 3,
 * xend) implement it; the places where the two differ in behaviour (error
 * texts, name quoting on create, names during migration) live behind it.
 */
export type ToolstackName = "xl" | "xm";

/** Position 5 of the state string when position 4 is `s` (xl_info.c, table "-rscwS"). */
export type ShutdownReason = "poweroff" | "reboot" | "suspend" | "crash" | "watchdog" | "soft-reset";

/** The six state positions of `xl list` / `xm list`, decoded once. */
export interface DomainState {
  /** As printed, e.g. `-b----`, `---sc-`, `----c-`. */
  readonly letters: string;
  readonly running: boolean;
  readonly blocked: boolean;
  readonly paused: boolean;
  /** The guest has shut down (any reason) but the domain is not destroyed yet. */
  readonly shutdown: boolean;
  /** xl: only with `shutdown`; xm reports a crash without the `s` (libxc clears it). */
  readonly shutdownReason: ShutdownReason | undefined;
  readonly crashed: boolean;
  readonly dying: boolean;
}

/** One row of `xl list` / `xm list`. */
export interface DomainRow {
  /** undefined for `(null)`: a domain whose xenstore name is gone (being destroyed) or not yet written. */
  readonly name: string | undefined;
  readonly domid: number;
  readonly memoryMiB: number;
  readonly vcpus: number;
  readonly state: DomainState;
  readonly cpuSeconds: number;
}

/** The answer to "does this domain exist?": absence only when the toolstack says so in words. */
export type DomainLookup = { readonly present: false } | { readonly present: true; readonly domain: DomainRow };

/** From `xl info` / `xm info`; memory in MiB. */
export interface HostInfo {
  readonly totalMemoryMiB: number;
  readonly freeMemoryMiB: number;
  /** Xen's boot command line (`xen_commandline`), when printed. */
  readonly xenCommandline: string | undefined;
  readonly values: ReadonlyMap<string, string>;
}

/** Memory bounds of a live domain, from `xl list -l` (JSON) or `xm list -l` (SXP). */
export interface DomainMemory {
  readonly domid: number;
  readonly name: string;
  /** Static maximum (maxmem) in MiB. */
  readonly maxMemoryMiB: number;
  /** Balloon target in MiB. */
  readonly targetMemoryMiB: number;
}

/**
 * How to ask a guest to shut down:
 * - `pv`: the PV control node (`xl shutdown NAME`);
 * - `pv-or-acpi`: the same, falling back to an ACPI power button for HVM guests
 *   without PV drivers (`xl shutdown -F NAME`);
 * - `acpi-button`: only the ACPI power button (`xl trigger NAME power`).
 */
export type ShutdownMode = "pv" | "pv-or-acpi" | "acpi-button";

/**
 * What a shutdown request achieved. `unconfirmed` is not a failure of the
 * shutdown: xl waits up to 60 s for the guest's acknowledgement and exits 1
 * without it, while the guest may still shut down later (doc/xl-behaviour.md §3.1).
 */
export type ShutdownAnswer =
  | { readonly kind: "sent" }
  | { readonly kind: "absent" }
  /** HVM guest without PV drivers: xl refuses a PV request (rc=-10); use `pv-or-acpi`. */
  | { readonly kind: "no-pv-control"; readonly detail: string }
  | { readonly kind: "unconfirmed"; readonly detail: string };

export type DestroyAnswer =
  | { readonly kind: "destroyed" }
  | { readonly kind: "absent" }
  | { readonly kind: "failed"; readonly detail: string };

export interface Toolstack {
  readonly name: ToolstackName;
  /** `xl list NAME`: the domain's row, or absent only on the toolstack's "no such domain" texts. */
  lookup(name: string): Promise<DomainLookup>;
  /** `xl list DOMID`: finds dying `(null)` domains that a name lookup no longer finds. */
  lookupId(domid: number): Promise<DomainLookup>;
  /** `xl list`: every domain, Domain-0 first. */
  list(): Promise<readonly DomainRow[]>;
  hostInfo(): Promise<HostInfo>;
  /** Memory bounds of every domain that has a stored configuration. */
  memoryBounds(): Promise<readonly DomainMemory[]>;
  /** `xl create CONFIG name="NAME"`; throws an OcfError with the toolstack's message on failure. */
  create(configPath: string, name: string): Promise<void>;
  /** Sends the request and waits at most `timeoutMs` for the toolstack to return. */
  requestShutdown(name: string, mode: ShutdownMode, timeoutMs: number): Promise<ShutdownAnswer>;
  destroy(name: string): Promise<DestroyAnswer>;
  /** `xl mem-set NAME MiBm`: sets the balloon target; the guest follows at its own pace. */
  setMemoryTarget(name: string, mib: number): Promise<void>;
  /** The names this toolstack gives the domain while it migrates (xl: NAME--incoming, NAME--migratedaway; xm: migrating-NAME). */
  migrationNames(name: string): readonly MigrationName[];
  /** The domain's own name when `listed` is one of its migration names, else `listed` itself. */
  ownName(listed: string): string;
  /** `xl list -v`: every domain with its UUID; an error on a toolstack that cannot list UUIDs (xm). */
  listUuids(): Promise<readonly UuidRow[]>;
  /** `xl dump-core NAME FILE` (FILE absolute), bounded by `timeoutMs` exactly: a dump may take longer than other calls. */
  dumpCore(name: string, file: string, timeoutMs: number): Promise<DumpAnswer>;
}

export type DumpAnswer = { readonly kind: "saved" } | { readonly kind: "failed"; readonly detail: string };

/** What a toolstack implementation is built from; the same for xl and xm. */
export interface ToolstackOptions {
  readonly run: CommandRunner;
  /** The agent's environment (PATH, XEN_SIM_*), not the process's: agents also run in-process in tests. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The timeout for one call, given the call's own cap: normally Deadline.callTimeoutMs. */
  readonly callTimeoutMs: (capMs: number) => number;
}
