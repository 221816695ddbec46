#!/usr/bin/env node
import { simTarget } from "../lib/sim/entry.ts";
import { sshMain } from "../lib/sim/host/ssh.ts";
import { exitWith, toolIo } from "./sim-io.ts";

/** The simulator's `ssh` between simulated hosts (see lib/sim/host/ssh.ts for what it does and does not do). */
const io = toolIo();
const target = simTarget(io);
exitWith(target ? sshMain(target.root, target.host, io) : 255);
