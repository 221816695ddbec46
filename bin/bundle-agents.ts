// Build step (npm run build): bundles the agents the cluster starts into dist/bundle/ and renders
// the OCF agents' meta-data into dist/metadata/ (lib/install/bundle.ts).
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { registry } from "../agents/index.ts";
import { bundleEntries, renderMetadataFiles } from "../lib/install/bundle.ts";
import { agentEntries } from "../lib/install/plan.ts";

// this file runs as dist/bin/bundle-agents.js
const distDir = join(dirname(fileURLToPath(import.meta.url)), "..");
await bundleEntries(distDir, agentEntries(registry));
renderMetadataFiles(distDir, registry.ocfAgents);
