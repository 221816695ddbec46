/** Configuration sections a fragment can be rendered for (`cibadmin --create -o SECTION`). */
export const SECTIONS = [
  "crm_config",
  "rsc_defaults",
  "op_defaults",
  "nodes",
  "resources",
  "constraints",
  "fencing-topology",
] as const;
export type SectionName = (typeof SECTIONS)[number];
