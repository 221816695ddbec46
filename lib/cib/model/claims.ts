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
  /**
   * The corosync votequorum option (votequorum(5)) that keeps quorum when half
   * or more of the hosts fail: last_man_standing, auto_tie_breaker or two_node.
   * It lives in corosync.conf; this declares that it is set there.
   */
  quorum: "xen-ha-quorum",
} as const;

/** The votequorum options a configuration may declare in CLAIM_OPTIONS.quorum. */
export const QUORUM_OPTIONS = ["last_man_standing", "auto_tie_breaker", "two_node"] as const;
