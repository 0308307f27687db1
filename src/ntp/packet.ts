/** NTPv4 packet encode and decode (RFC 5905 §7.3, extension fields RFC 7822 §7.5). */
import { secondsFromShort, shortFromSeconds, type NtpTimestamp } from './timestamp.js'
import type { ReferenceId } from './refid.js'

export const HEADER_LENGTH = 48

export const LeapIndicator = { None: 0, InsertSecond: 1, DeleteSecond: 2, Unsynchronized: 3 } as const
export type LeapIndicator = (typeof LeapIndicator)[keyof typeof LeapIndicator]

export const NtpMode = {
  Reserved: 0,
  SymmetricActive: 1,
  SymmetricPassive: 2,
  Client: 3,
  Server: 4,
  Broadcast: 5,
  Control: 6,
  Private: 7,
} as const
export type NtpMode = (typeof NtpMode)[keyof typeof NtpMode]

export interface ExtensionField {
  type: number
  value: Uint8Array
}

export interface NtpPacket {
  leap: LeapIndicator
  version: number
  mode: NtpMode
  stratum: number
  /** log2 seconds */
  poll: number
  /** log2 seconds */
  precision: number
  /** seconds */
  rootDelay: number
  /** seconds */
  rootDispersion: number
  referenceId: ReferenceId
  referenceTime: NtpTimestamp
  originTime: NtpTimestamp
  receiveTime: NtpTimestamp
  transmitTime: NtpTimestamp
  extensions: ExtensionField[]
  /** key id + digest, when present (RFC 5905 §7.3) */
  mac: Uint8Array | undefined
}

/** The only error decoding throws: the bytes are not an NTP packet. */
export class PacketParseError extends Error {
  override readonly name = 'PacketParseError'
}

// RFC 7822 §7.5: a MAC is 4 bytes of key id plus a 16- or 20-byte digest; any longer trailer
// must be extension fields, each at least 16 bytes long and a multiple of 4. A crypto-NAK is a
// MAC of a zero key id alone (RFC 5905 §7.4's "authentication failure"): 4 bytes.
const MAC_LENGTHS = new Set([4, 20, 24])
const MIN_EXTENSION_LENGTH = 16

export function decodePacket(bytes: Uint8Array): NtpPacket {
  if (bytes.length < HEADER_LENGTH) {
    throw new PacketParseError(`packet too short: ${bytes.length} bytes, need ${HEADER_LENGTH}`)
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const first = view.getUint8(0)
  const { extensions, mac } = decodeTrailer(bytes, view)
  return {
    leap: (first >> 6) as LeapIndicator,
    version: (first >> 3) & 0b111,
    mode: (first & 0b111) as NtpMode,
    stratum: view.getUint8(1),
    poll: view.getInt8(2),
    precision: view.getInt8(3),
    rootDelay: secondsFromShort(view.getUint32(4)),
    rootDispersion: secondsFromShort(view.getUint32(8)),
    referenceId: view.getUint32(12),
    referenceTime: view.getBigUint64(16),
    originTime: view.getBigUint64(24),
    receiveTime: view.getBigUint64(32),
    transmitTime: view.getBigUint64(40),
    extensions,
    mac,
  }
}

function decodeTrailer(bytes: Uint8Array, view: DataView): Pick<NtpPacket, 'extensions' | 'mac'> {
  const extensions: ExtensionField[] = []
  let offset = HEADER_LENGTH
  while (bytes.length - offset > 0 && !MAC_LENGTHS.has(bytes.length - offset)) {
    const remaining = bytes.length - offset
    if (remaining < MIN_EXTENSION_LENGTH) {
      throw new PacketParseError(`trailing ${remaining} bytes are neither an extension field nor a MAC`)
    }
    const type = view.getUint16(offset)
    const length = view.getUint16(offset + 2)
    if (length < MIN_EXTENSION_LENGTH || length % 4 !== 0 || length > remaining) {
      throw new PacketParseError(`bad extension field length ${length} at byte ${offset}`)
    }
    extensions.push({ type, value: bytes.slice(offset + 4, offset + length) })
    offset += length
  }
  const mac = offset < bytes.length ? bytes.slice(offset) : undefined
  return { extensions, mac }
}

export function encodePacket(packet: NtpPacket): Uint8Array {
  const extensionLength = packet.extensions.reduce((sum, e) => sum + 4 + e.value.length, 0)
  const bytes = new Uint8Array(HEADER_LENGTH + extensionLength + (packet.mac?.length ?? 0))
  const view = new DataView(bytes.buffer)
  view.setUint8(0, (packet.leap << 6) | ((packet.version & 0b111) << 3) | (packet.mode & 0b111))
  view.setUint8(1, packet.stratum)
  view.setInt8(2, packet.poll)
  view.setInt8(3, packet.precision)
  view.setUint32(4, shortFromSeconds(packet.rootDelay))
  view.setUint32(8, shortFromSeconds(packet.rootDispersion))
  view.setUint32(12, packet.referenceId)
  view.setBigUint64(16, packet.referenceTime)
  view.setBigUint64(24, packet.originTime)
  view.setBigUint64(32, packet.receiveTime)
  view.setBigUint64(40, packet.transmitTime)
  let offset = HEADER_LENGTH
  for (const field of packet.extensions) {
    view.setUint16(offset, field.type)
    view.setUint16(offset + 2, 4 + field.value.length)
    bytes.set(field.value, offset + 4)
    offset += 4 + field.value.length
  }
  if (packet.mac) bytes.set(packet.mac, offset)
  return bytes
}
