#!/usr/bin/env node
import { simTarget } from "../lib/sim/entry.ts";
import { xmMain } from "../lib/sim/xm/main.ts";
import { toolIo } from "./sim-io.ts";

/** The simulator's `xm` (Xen 3 persona): started by a host's launcher (see lib/sim/README.md). */
const io = toolIo();
const target = simTarget(io);
process.exitCode = target ? await xmMain(target.root, target.host, io) : 1;
