/**
 * The redundancy a configuration claims, stored as cluster options so the
 * claim travels with the CIB. Pacemaker ignores option names it does not know
 * (crm_verify accepts them under every schema); `xen-ha cib check` and
 * `xen-ha cib plan` read them.
 */
export const CLAIM_OPTIONS = {
  /** How many simultaneous host failures every protected domain survives. */
  failuresTolerated: "xen-ha-failures-tolerated",
  /** Domains with a lower priority meta-attribute are best effort, not protected. */
  protectedPriority: "xen-ha-protected-priority",
} as const;
