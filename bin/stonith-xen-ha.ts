#!/usr/bin/env node
import { hostname } from "node:os";
import { realFenceXenDeps } from "../agents/fence-xen/device.ts";
import { xenHaPlugin } from "../agents/fence-xen/plugin.ts";
import { runStonithPlugin } from "../lib/stonith-plugin/run-plugin.ts";
import { runMain } from "./process-io.ts";

// Installed as <stonith plugin dir>/xen-ha: cluster-glue runs `xen-ha <op> [node]` with the configuration in env.
void runMain("external/xen-ha", (io) => runStonithPlugin(xenHaPlugin(realFenceXenDeps(`external/xen-ha@${hostname()}`)), io));
