import t from "tap";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCommand } from "../../../lib/exec/command.ts";
import { setGuestBehaviour } from "../../../lib/sim/index.ts";
import type { SimResource } from "../../support/sim-resource.ts";
import { opTimeout, playTable, recurring, type Scenario } from "./scenario-table.ts";

/**
 * What monitor checks beyond the domain's state: monitor_scripts (run
 * without a shell, each with its own timeout) and the utilization autoset,
 * which must not call crm_resource while nothing changes.
 */
const simIndex = new URL("../../../lib/sim/index.ts", import.meta.url).pathname;

/** Writes an executable into the resource's root and returns its path. */
function script(r: SimResource, name: string, text: string): string {
  const dir = join(r.root, "scripts");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, text);
  chmodSync(path, 0o755);
  return path;
}

/** A real service check: reads the guest's one-line TCP service, as an admin's check would. */
const serviceCheck = (r: SimResource) =>
  script(r, "service-check.mjs", `#!${process.execPath}
import { appendFileSync } from "node:fs";
import { connect } from "node:net";
import { guestServicePort } from ${JSON.stringify(simIndex)};
appendFileSync(${JSON.stringify(join(r.root, "checks.log"))}, "check\\n");
const port = guestServicePort(process.env.XEN_SIM_ROOT, process.env.XEN_SIM_HOST, process.env.OCF_RESKEY_name);
if (port === undefined) process.exit(2);
setTimeout(() => process.exit(1), 1000);
const socket = connect({ host: "127.0.0.1", port });
socket.on("data", (data) => process.exit(String(data).endsWith(" up\\n") ? 0 : 1));
socket.on("error", () => process.exit(1));
`);
const failingCheck = (r: SimResource) => script(r, "disk-check.sh", "#!/bin/sh\necho 'disk full' >&2\nexit 3\n");
const slowCheck = (r: SimResource) => script(r, "slow-check.sh", "#!/bin/sh\nexec sleep 30\n");
const checksRun = (r: SimResource): number => {
  try {
    return readFileSync(join(r.root, "checks.log"), "utf8").split("\n").filter(Boolean).length;
  } catch {
    return 0;
  }
};

/** crm_resource, first on PATH, logging each call before running the real one. */
function crmResourceShim(r: SimResource): string {
  script(r, "crm_resource", `#!/bin/sh\necho "$*" >> ${join(r.root, "crm_resource.log")}\nexec /usr/sbin/crm_resource "$@"\n`);
  return join(r.root, "scripts");
}
const crmCalls = (r: SimResource): string[] => {
  try {
    return readFileSync(join(r.root, "crm_resource.log"), "utf8").split("\n").filter(Boolean);
  } catch {
    return [];
  }
};
const cibFile = (r: SimResource) => join(r.root, "cib.xml");
async function makeCib(r: SimResource): Promise<void> {
  const empty = await runCommand("cibadmin", ["--empty"], { timeoutMs: 10_000 });
  writeFileSync(cibFile(r), empty.stdout);
  const primitive = '<primitive id="vm1-rsc" class="ocf" provider="xen-ha" type="XenDomain"/>';
  const added = await runCommand("cibadmin", ["-C", "-o", "resources", "-X", primitive], { timeoutMs: 10_000, env: { CIB_file: cibFile(r) } });
  if (added.exitCode !== 0) throw new Error(added.stderr);
}
const utilization = async (r: SimResource) =>
  Promise.all(
    ["cpu", "hv_memory"].map(async (name) => {
      const got = await runCommand("crm_resource", ["-r", "vm1-rsc", "-z", "-g", name], { timeoutMs: 10_000, env: { CIB_file: cibFile(r) } });
      return got.stdout.trim();
    }),
  );
const autoset = (r: SimResource) => ({
  ...recurring,
  OCF_RESKEY_autoset_utilization_cpu: "true",
  OCF_RESKEY_autoset_utilization_hv_memory: "true",
  CIB_file: cibFile(r),
  PATH: `${crmResourceShim(r)}:${r.env["PATH"]}`,
});

const scenarios: readonly Scenario[] = [
  {
    name: "a service check passes while the guest serves; start waits for it",
    steps: [
      { act: "start", env: (r) => ({ OCF_RESKEY_monitor_scripts: serviceCheck(r) }), code: 0 },
      { act: "monitor", env: (r) => ({ ...recurring, OCF_RESKEY_monitor_scripts: serviceCheck(r) }), code: 0 },
      { check: "the check ran for start and for monitor", run: (r) => checksRun(r) >= 2, is: true },
      { scene: "xl pause vm1", run: (r) => r.xl("pause", r.name) },
      { act: "monitor", env: (r) => ({ ...recurring, OCF_RESKEY_monitor_scripts: serviceCheck(r) }), code: 190, reason: /is paused/ },
      { act: "stop", code: 0 },
    ],
  },
  {
    name: "a guest that never boots fails start with the check's failure, before the op timeout",
    steps: [
      { scene: "the guest never gets past xenbus", run: (r) => setGuestBehaviour(r.root, r.host, r.name, { hangBoot: true }) },
      {
        act: "start",
        env: (r) => ({ ...opTimeout(6_000), OCF_RESKEY_monitor_scripts: serviceCheck(r) }),
        code: 1,
        // the last check may be the one the deadline cuts short
        reason: /^domain vm1 did not come up in time: monitor script failed: .*service-check\.mjs: (exit 1|no answer within \d+ ms, killed)$/,
        withinMs: 6_000,
      },
      { act: "stop", env: { OCF_RESKEY_force_stop: "true" }, code: 0 },
    ],
  },
  {
    name: "a failing script fails the monitor, named in the reason with its last words; the first failure stops the list",
    steps: [
      { act: "start", code: 0 },
      {
        act: "monitor",
        env: (r) => ({ ...recurring, OCF_RESKEY_monitor_scripts: `${failingCheck(r)}  ${serviceCheck(r)}` }),
        code: 1,
        reason: /^monitor script failed: \S+\/disk-check\.sh: exit 3: disk full$/,
      },
      { check: "the second script did not run", run: checksRun, is: 0 },
      { act: "stop", code: 0 },
    ],
  },
  {
    name: "a script that hangs is killed at monitor_scripts_timeout",
    only: ["xl"],
    steps: [
      { act: "start", code: 0 },
      {
        act: "monitor",
        env: (r) => ({ ...recurring, OCF_RESKEY_monitor_scripts: slowCheck(r), OCF_RESKEY_monitor_scripts_timeout: "1" }),
        code: 1,
        reason: /slow-check\.sh: no answer within \d+ ms, killed$/,
        withinMs: 3_000,
      },
      { act: "stop", code: 0 },
    ],
  },
  {
    name: "utilization autoset: written once, then steady monitors make no crm_resource call",
    steps: [
      { scene: "a CIB file holding the resource", run: makeCib },
      { act: "start", code: 0 },
      { act: "monitor", env: autoset, code: 0 },
      { check: "cpu = VCPUs, hv_memory = maxmem", run: utilization, is: ["1", "512"] },
      { check: "one call per attribute", run: (r) => crmCalls(r).length, is: 2 },
      { act: "monitor", env: autoset, code: 0 },
      { act: "monitor", env: autoset, code: 0 },
      { check: "no further call", run: (r) => crmCalls(r).length, is: 2 },
      { act: "stop", code: 0 },
    ],
  },
  {
    name: "utilization autoset that cannot write is logged, never a monitor failure",
    only: ["xl"],
    steps: [
      { act: "start", code: 0 },
      { act: "monitor", env: (r) => ({ ...autoset(r), CIB_file: join(r.root, "missing-cib.xml") }), code: 0 },
      { act: "monitor", env: (r) => ({ ...autoset(r), CIB_file: join(r.root, "missing-cib.xml") }), code: 0 },
      { check: "each monitor tried again (nothing was cached)", run: (r) => crmCalls(r).length, is: 4 },
      { act: "stop", code: 0 },
    ],
  },
];

playTable(t, scenarios);
