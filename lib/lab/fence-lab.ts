/**
 * fence_lab: the cluster lab's host-fencing agent (the lab only, never a real node). Pacemaker's
 * fenced runs it on a surviving node with `key=value` lines on stdin
 * (action=, port= or plug=, nodename=) or `-o ACTION -n NODE`. `off` and
 * `reboot` power the target off: every process in its network namespace is
 * SIGKILLed and its simulated Xen host dies with its domains, as a dom0
 * losing power would. `reboot` cannot power the node back on from inside a
 * node (the driver restarts nodes), so it equals `off`. Every fence is
 * logged with a millisecond timestamp to <lab>/fence.log. A fault knob,
 * <lab>/fence-failures (a count the driver writes), makes the next fences
 * fail without touching the target, as a power switch that does not answer.
 *
 * Started through a launcher that sets XHL_LAB (see node-files.ts).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fenceLog, isPoweredOn, labPaths, powerOff } from "./power.ts";

const lab = process.env["XHL_LAB"] ?? "";

const METADATA = `<?xml version="1.0" ?>
<resource-agent name="fence_lab" shortdesc="xen-ha cluster lab: powers off a namespace node and its simulated Xen host">
<longdesc>Test-only fence agent of the xen-ha cluster lab.</longdesc>
<parameters>
  <parameter name="action" unique="0" required="1">
    <getopt mixed="-o, --action=[action]"/>
    <content type="string" default="reboot"/>
    <shortdesc lang="en">Fencing action</shortdesc>
  </parameter>
  <parameter name="port" unique="0" required="0">
    <getopt mixed="-n, --plug=[node]"/>
    <content type="string"/>
    <shortdesc lang="en">Lab node to fence</shortdesc>
  </parameter>
</parameters>
<actions>
  <action name="on"/>
  <action name="off"/>
  <action name="reboot"/>
  <action name="status"/>
  <action name="list"/>
  <action name="monitor"/>
  <action name="metadata"/>
</actions>
</resource-agent>
`;

function readOptions(): Map<string, string> {
  const options = new Map<string, string>();
  const args = process.argv.slice(2);
  if (args.length === 0) {
    for (const line of readFileSync(0, "utf8").split("\n")) {
      const at = line.indexOf("=");
      if (at > 0) options.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
    }
  }
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const value = args[i + 1] ?? "";
    if (flag === "-o" || flag === "--action") options.set("action", value);
    if (flag === "-n" || flag === "--plug") options.set("port", value);
  }
  return options;
}

/** Takes one failure from the knob; true when this fence is to fail. */
function failAsAsked(): boolean {
  const file = labPaths(lab).fenceFailures;
  const left = existsSync(file) ? Number(readFileSync(file, "utf8")) : 0;
  if (!(left > 0)) return false;
  writeFileSync(file, String(left - 1));
  return true;
}

const nodes = (): string[] => readdirSync(join(lab, "nodes")).sort();

function run(): number {
  const options = readOptions();
  const action = options.get("action") ?? "reboot";
  const target = options.get("port") ?? options.get("plug") ?? "";
  if (action === "metadata") {
    process.stdout.write(METADATA);
    return 0;
  }
  if (action === "list") {
    process.stdout.write(nodes().map((n) => `${n}\n`).join(""));
    return 0;
  }
  if (action === "monitor") return lab !== "" && nodes().length > 0 ? 0 : 1;
  if (!nodes().includes(target)) {
    process.stderr.write(`fence_lab: unknown node '${target}'\n`);
    return 1;
  }
  if (action === "status") return isPoweredOn(lab, target) ? 0 : 2;
  if (action === "off" || action === "reboot") {
    fenceLog(lab, `${action} ${target}: begin`);
    if (failAsAsked()) {
      fenceLog(lab, `${action} ${target}: failed as the fence-failures knob asks, target untouched`);
      return 1;
    }
    const { killed, left } = powerOff(lab, target);
    fenceLog(lab, `${action} ${target}: done, SIGKILLed ${killed} process(es), ${left} left, simulated host killed`);
    return left === 0 ? 0 : 1;
  }
  process.stderr.write(`fence_lab: action '${action}' is not possible in the lab\n`);
  return 1;
}

process.exitCode = run();
