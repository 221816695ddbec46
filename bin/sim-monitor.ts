#!/usr/bin/env node
import { runMonitorDaemon } from "../lib/sim/host/monitor-daemon.ts";
import { exitWith, toolIo } from "./sim-io.ts";

/** xl's per-domain monitoring daemon: argv ROOT HOST DOMID UUID (started by the simulator only). */
const [root = "", host = "", domid = "", uuid = ""] = process.argv.slice(2);
exitWith(runMonitorDaemon(root, host, Number(domid), uuid, toolIo()));
