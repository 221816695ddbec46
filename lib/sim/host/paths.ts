import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Where a simulation keeps its files. One root holds every simulated host
 * (`hosts/<host>/`), the storage all hosts share (`shared/`), and nothing else
 * the simulator needs: removing the root ends the simulation (guests and
 * monitors notice and exit).
 */
export function defaultSimRoot(env: Readonly<Record<string, string | undefined>>): string {
  return join(env["TMPDIR"] || tmpdir(), "xen-ha-sim");
}

export interface HostPaths {
  readonly dir: string;
  /** Configuration, knobs and hypervisor state of the host, in one JSON file. */
  readonly stateFile: string;
  readonly lockFile: string;
  /** The simulated /var/lock/xl, taken by creates while autoballoon is on. */
  readonly xlLockFile: string;
  readonly binDir: string;
  /**
   * The simulated /var/log/xen, under the kernel view (`sysroot/var/log/xen`)
   * so that XenDomain finds xl-NAME.log (xend.log) where it looks on a real
   * host, below XEN_HA_SYSROOT.
   */
  readonly logDir: string;
  /** The simulated /etc/xen (xm's config search path, /etc/xen/auto for xendomains). */
  readonly etcXenDir: string;
  readonly callLogFile: string;
  /** One empty file per running xl/xm/ssh call, named by pid: what a host kill also kills. */
  readonly runningDir: string;
  /** The host's kernel view: the /sys and /proc files that say whether Xen runs (kernel-view.ts). */
  readonly sysrootDir: string;
}

/** Host names become directory names: keep them to what a hostname may contain. */
export const HOST_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$/;

export function hostPaths(root: string, host: string): HostPaths {
  if (!HOST_NAME_PATTERN.test(host)) throw new Error(`invalid simulated host name: ${JSON.stringify(host)}`);
  const dir = join(root, "hosts", host);
  return {
    dir,
    stateFile: join(dir, "host.json"),
    lockFile: join(dir, "host.lock"),
    xlLockFile: join(dir, "var-lock-xl"),
    binDir: join(dir, "bin"),
    logDir: join(dir, "sysroot", "var", "log", "xen"),
    etcXenDir: join(dir, "etc-xen"),
    callLogFile: join(dir, "calls.jsonl"),
    runningDir: join(dir, "running"),
    sysrootDir: join(dir, "sysroot"),
  };
}

export const sharedDir = (root: string): string => join(root, "shared");
export const hostsDir = (root: string): string => join(root, "hosts");
/** Root-wide defaults (the time factor new hosts inherit). */
export const rootDefaultsFile = (root: string): string => join(root, "sim.json");
