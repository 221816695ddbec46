#!/usr/bin/env node
import { xenHostMain } from "../agents/xen-host/main.ts";
import { runMain } from "./process-io.ts";

void runMain("XenHost", async (io) => (await xenHostMain(io)).code);
