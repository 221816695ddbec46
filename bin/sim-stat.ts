#!/usr/bin/env node
import { simTarget } from "../lib/sim/entry.ts";
import { statMain } from "../lib/sim/host/stat.ts";
import { exitWith, toolIo } from "./sim-io.ts";

/** The simulator's `stat`: a dom0's view of its disks and bridges (see lib/sim/host/stat.ts). */
const io = toolIo();
const target = simTarget(io);
exitWith(target ? statMain(target.root, target.host, io) : 1);
