import type { TemplateDefinition } from "../lib/cib/author/define-template.ts";
import { activePassive } from "./active-passive.ts";
import { dataPoolTemplate } from "./data-pool.ts";
import { guestCluster } from "./guest-cluster.ts";
import { guestNodes } from "./guest-nodes.ts";
import { hostFencing } from "./host-fencing.ts";
import { hostHealth } from "./host-health.ts";
import { liveMigration } from "./live-migration.ts";
import { nPlusM, nPlusOne } from "./n-plus-m.ts";
import { nPlusN } from "./n-plus-n.ts";

/** Every template `xen-ha cib` offers, in the order `xen-ha cib templates` lists them. */
export const templates: readonly TemplateDefinition[] = [
  activePassive,
  liveMigration,
  dataPoolTemplate,
  nPlusOne,
  nPlusM,
  nPlusN,
  hostHealth,
  hostFencing,
  guestCluster,
  guestNodes,
];

export const findTemplate = (name: string): TemplateDefinition | undefined =>
  templates.find((template) => template.name === name);
