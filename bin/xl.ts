#!/usr/bin/env node
import { simTarget } from "../lib/sim/entry.ts";
import { xlMain } from "../lib/sim/xl/main.ts";
import { exitWith, toolIo } from "./sim-io.ts";

/** The simulator's `xl`: started by a host's launcher (see lib/sim/README.md). */
const io = toolIo();
const target = simTarget(io);
exitWith(target ? xlMain(target.root, target.host, io) : 1);
