/** RFC 8915 §4: NTS-KE's TCP port, the default with --nts. */
export const NTS_KE_PORT = 4460
