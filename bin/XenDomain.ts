#!/usr/bin/env node
import { xenDomainMain } from "../agents/xen-domain/main.ts";
import { finish, processIo } from "./process-io.ts";

process.exitCode = await finish(await xenDomainMain(processIo()));
