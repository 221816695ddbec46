#!/usr/bin/env node
import { simTarget } from "../lib/sim/entry.ts";
import { xmMain } from "../lib/sim/xm/main.ts";
import { exitWith, toolIo } from "./sim-io.ts";

/** The simulator's `xm` (Xen 3 persona): started by a host's launcher (see lib/sim/README.md). */
const io = toolIo();
const target = simTarget(io);
exitWith(target ? xmMain(target.root, target.host, io) : 1);
