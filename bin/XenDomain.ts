#!/usr/bin/env node
import { xenDomainMain } from "../agents/xen-domain/main.ts";
import { runMain } from "./process-io.ts";

await runMain("XenDomain", async (io) => (await xenDomainMain(io)).code);
