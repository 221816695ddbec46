/** The xenstore client's modes the simulator has: each is also a program name, `xenstore-MODE`. */
export const XENSTORE_MODES = ["read", "exists", "list", "ls", "watch"] as const;
export type XenstoreMode = (typeof XENSTORE_MODES)[number];
