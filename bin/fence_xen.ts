#!/usr/bin/env node
import { hostname } from "node:os";
import { realFenceXenDeps } from "../agents/fence-xen/device.ts";
import { fenceXenMain } from "../agents/fence-xen/main.ts";
import { runMain } from "./process-io.ts";

// Options come on stdin only when there are none on the command line (fencing.py's rule).
// Exit once the answer is out: an ask of a silent dom0 still under way (agents/fence-xen/xen-power.ts,
// settleSilent) is not waited for; the exit ends its process group (lib/exec/command.ts).
void runMain("fence_xen", (io) => fenceXenMain(io, realFenceXenDeps(`fence_xen@${hostname()}`))).then(() => process.exit());
