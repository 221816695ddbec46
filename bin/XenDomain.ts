#!/usr/bin/env node
import { xenDomainMain } from "../agents/xen-domain/main.ts";
import { runMain } from "./process-io.ts";

void runMain("XenDomain", async (io) => (await xenDomainMain(io)).code);
