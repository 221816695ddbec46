#!/usr/bin/env node
import { hostname } from "node:os";
import { realFenceXenDeps } from "../agents/fence-xen/device.ts";
import { fenceXenMain } from "../agents/fence-xen/main.ts";
import { runMain } from "./process-io.ts";

// Options come on stdin only when there are none on the command line (fencing.py's rule).
void runMain("fence_xen", (io) => fenceXenMain(io, realFenceXenDeps(`fence_xen@${hostname()}`)));
