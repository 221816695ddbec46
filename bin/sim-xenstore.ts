#!/usr/bin/env node
import { basename } from "node:path";
import { simTarget } from "../lib/sim/entry.ts";
import { xenstoreMain } from "../lib/sim/xenstore/main.ts";
import { exitWith, toolIo } from "./sim-io.ts";

/** The simulator's xenstore client; the launcher's own name (xenstore-read, xenstore-watch, ...) picks the mode. */
const io = toolIo();
const target = simTarget(io);
const prog = basename(process.argv[1] ?? "xenstore");
exitWith(target ? xenstoreMain(target.root, target.host, prog, io) : 1);
