// Build step (npm run build): bundles the agents the cluster starts into dist/bundle/ (lib/install/bundle.ts).
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { registry } from "../agents/index.ts";
import { bundleEntries } from "../lib/install/bundle.ts";
import { agentEntries } from "../lib/install/plan.ts";

// this file runs as dist/bin/bundle-agents.js
const distDir = join(dirname(fileURLToPath(import.meta.url)), "..");
await bundleEntries(distDir, agentEntries(registry));
