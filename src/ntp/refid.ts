/** Reference IDs and Kiss-o'-Death codes (RFC 5905 §7.3, §7.4). */

/** A refid as it stands on the wire: four bytes, read big-endian. */
export type ReferenceId = number

export function asciiOfReferenceId(id: ReferenceId): string {
  return String.fromCharCode(...bytesOf(id).filter((b) => b !== 0))
}

/**
 * How a refid reads: ASCII for stratum 0 (kiss code) and 1 (reference clock), else the upstream
 * server's IPv4 address (for IPv6 upstreams it is a hash and reads as an address all the same).
 */
export function displayReferenceId(id: ReferenceId, stratum: number): string {
  if (stratum <= 1) {
    const text = asciiOfReferenceId(id)
    return /^[\x20-\x7e]*$/.test(text) ? text : hex(id)
  }
  return bytesOf(id).join('.')
}

function bytesOf(id: ReferenceId): number[] {
  return [id >>> 24, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff]
}

function hex(id: ReferenceId): string {
  return '0x' + id.toString(16).padStart(8, '0')
}
