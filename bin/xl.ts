#!/usr/bin/env node
import { simTarget } from "../lib/sim/entry.ts";
import { xlMain } from "../lib/sim/xl/main.ts";
import { toolIo } from "./sim-io.ts";

/** The simulator's `xl`: started by a host's launcher (see lib/sim/README.md). */
const io = toolIo();
const target = simTarget(io);
process.exitCode = target ? await xlMain(target.root, target.host, io) : 1;
