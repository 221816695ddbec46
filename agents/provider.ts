/**
 * The provider directory under $OCF_ROOT/resource.d/ and the CIB's provider="..." value.
 * A file of its own so the `xen-ha` command can name it in its help without loading the agents.
 */
export const OCF_PROVIDER = "xen-ha";
