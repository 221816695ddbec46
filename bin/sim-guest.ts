#!/usr/bin/env node
import { runGuest } from "../lib/sim/host/guest.ts";

/** A simulated domain's guest process: argv ROOT HOST DOMID UUID (started by the simulator only). */
const [root = "", host = "", domid = "", uuid = ""] = process.argv.slice(2);
// no top-level await: the launchers load this program as a CommonJS bundle (lib/sim/tool-bundle.ts)
void runGuest({
  root,
  host,
  domid: Number(domid),
  uuid,
  env: process.env,
  report: (line) => process.stdout.write(line),
  exit: () => process.exit(0),
});
