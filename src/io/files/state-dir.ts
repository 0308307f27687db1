/**
 * Directories that hold state of ours (the NTS cookie cache, the drift file's, the synchronised
 * mark's): made when missing one level at a time (a recursive mkdir spins forever under /proc,
 * where mkdir answers ENOENT), and checked through lstat of the path with its trailing slashes
 * and dots resolved away, so a symlink is never followed into, whatever the spelling (`LINK/`).
 */
import { errorText, errorCode } from '../../errors.js'
import { lstatSync, mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { describeFileKind } from './file-kind.js'

export interface DirectoryRule {
  /** the mode it is made with */
  mode: number
  /** the permission bits others may not have: 0o077 for secrets, 0o022 for what others may read */
  closedTo: number
}

export const PRIVATE: DirectoryRule = { mode: 0o700, closedTo: 0o077 }
export const READABLE: DirectoryRule = { mode: 0o755, closedTo: 0o022 }

/** `dir` (made if missing) when it is a directory of ours closed to others; else why not, in a few words. */
export function ownDirectory(dir: string, rule: DirectoryRule): { path: string } | { unusable: string } {
  const path = resolve(dir)
  try {
    makeMissing(path, rule.mode)
  } catch (error) {
    return { unusable: `${path} cannot be made: ${errorText(error)}` }
  }
  return checkOwnDirectory(path, rule)
}

/** Like ownDirectory, but nothing is made: a missing directory is `absent`. */
export function existingOwnDirectory(dir: string, rule: DirectoryRule): { path: string } | { unusable: string } | { absent: true } {
  const path = resolve(dir)
  try {
    lstatSync(path)
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return { absent: true }
  }
  return checkOwnDirectory(path, rule)
}

function checkOwnDirectory(path: string, rule: DirectoryRule): { path: string } | { unusable: string } {
  const uid = process.geteuid?.() ?? 0
  try {
    const stat = lstatSync(path)
    if (!stat.isDirectory()) return { unusable: `${path} is ${describeFileKind(stat)}, not a directory` }
    if (stat.uid !== uid) return { unusable: `${path} belongs to uid ${stat.uid}, not to us (uid ${uid})` }
    const mode = stat.mode & 0o777
    if ((mode & rule.closedTo) !== 0) return { unusable: `${path} is open to others (mode ${mode.toString(8).padStart(4, '0')}); chmod ${(mode & ~rule.closedTo).toString(8)} ${path}` }
    return { path }
  } catch (error) {
    return { unusable: `${path}: ${errorText(error)}` }
  }
}

/** mkdir(2) for each missing level, top down; what appeared meanwhile is fine (checked after). */
function makeMissing(path: string, mode: number): void {
  const missing: string[] = []
  for (let at = path; !exists(at); at = dirname(at)) {
    missing.push(at)
    if (dirname(at) === at) break
  }
  for (const at of missing.reverse()) {
    try {
      mkdirSync(at, { mode })
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error
    }
  }
}

function exists(path: string): boolean {
  try {
    lstatSync(path)
    return true
  } catch {
    return false
  }
}
