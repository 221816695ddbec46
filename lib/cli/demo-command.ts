import { Option } from "commander";
import { DEFAULT_PERSONA, PERSONA_IDS } from "../sim/personas.ts";
import type { DemoOptions } from "./demo-actions.ts";
import type { CliParts, Register } from "./program.ts";

/** Set to "off", the demo runs as if this machine could not run the cluster (how the fallback is tested). */
export const CLUSTER_SWITCH = "XEN_HA_DEMO_CLUSTER";
const DEMO_PERSONAS = PERSONA_IDS.filter((p) => p !== "none");

/** `xen-ha demo`, declared; the demo (demo-actions.ts) loads when the command runs. */
export const demoCommand = (parts: CliParts): Register => (program, io) => {
  program
    .command("demo")
    .description(
      "run a three-node Pacemaker cluster of simulated Xen hosts in namespaces: load a domain from a template, " +
        "live-migrate it, crash its host and watch the fence and the restart (needs root, corosync, Pacemaker); " +
        `elsewhere (or with ${CLUSTER_SWITCH}=off) drive one simulated domain through crm_resource on one host`,
    )
    .addOption(new Option("--persona <persona>", "single-host demo: simulated toolstack").choices(DEMO_PERSONAS).default(DEFAULT_PERSONA))
    .option("--time-factor <factor>", "scales the simulator's latencies (1 = real Xen timing; default 1 in the cluster, 0.1 on one host)")
    .option("--keep", "single-host demo: keep the temporary installation, simulator state and CIB", false)
    .action(async (options: Omit<DemoOptions, "noCluster">) => {
      const noCluster = io.env[CLUSTER_SWITCH] === "off" ? `${CLUSTER_SWITCH}=off` : undefined;
      await (await import("./demo-actions.ts")).demo(await parts.registry(), { ...options, noCluster }, io);
    });
};
