#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { realFenceXenDeps } from "../agents/fence-xen/device.ts";
import { fenceXenMain } from "../agents/fence-xen/main.ts";

process.exitCode = await fenceXenMain(
  {
    argv: process.argv.slice(2),
    env: process.env,
    // Options come on stdin only when there are none on the command line (fencing.py's rule).
    stdin: () => readFileSync(0, "utf8"),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  },
  realFenceXenDeps(`fence_xen@${hostname()}`),
);
