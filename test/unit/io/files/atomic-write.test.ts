import t from 'tap'
import { spawnSync } from 'node:child_process'
import { chmodSync, chownSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { writeFileAtomically } from '../../../../src/io/files/atomic-write.js'

t.test('creates, then replaces, leaving only the file', async (t) => {
  const dir = t.testdir()
  const path = join(dir, 'tsntpdate.prom')
  await writeFileAtomically(path, 'one\n')
  t.equal(readFileSync(path, 'utf8'), 'one\n')
  t.equal(statSync(path).mode & 0o777, 0o644 & ~process.umask(), 'readable by the collector')
  const before = statSync(path).ino
  await writeFileAtomically(path, 'two\n')
  t.equal(readFileSync(path, 'utf8'), 'two\n')
  t.not(statSync(path).ino, before, 'a new inode renamed over the old one, not a rewrite in place')
  t.same(readdirSync(dir), ['tsntpdate.prom'], 'no temp file left')
})

t.test('a directory that does not exist: the error, and nothing left behind', async (t) => {
  const dir = t.testdir()
  await t.rejects(writeFileAtomically(join(dir, 'missing', 'x.prom'), 'x'), { code: 'ENOENT' })
  t.same(readdirSync(dir), [])
})

t.test('a directory at the path is left alone, and nothing is left behind', async (t) => {
  const dir = t.testdir()
  mkdirSync(join(dir, 'x.prom'))
  writeFileSync(join(dir, 'x.prom', 'inside'), 'kept')
  await t.rejects(writeFileAtomically(join(dir, 'x.prom'), 'x'), { message: 'it is a directory, not a regular file; left alone' })
  t.same(readdirSync(dir), ['x.prom'], 'no temp file')
  t.equal(readFileSync(join(dir, 'x.prom', 'inside'), 'utf8'), 'kept')
})

t.test('a FIFO, a symlink or a device node at the path is left alone (issue 9, finding 3)', async (t) => {
  const dir = t.testdir()
  t.equal(spawnSync('mkfifo', [join(dir, 'fifo.prom')]).status, 0, 'mkfifo')
  writeFileSync(join(dir, 'target'), 'precious\n')
  symlinkSync(join(dir, 'target'), join(dir, 'link.prom'))
  const cases: [string, string][] = [
    [join(dir, 'fifo.prom'), 'a FIFO'],
    [join(dir, 'link.prom'), 'a symbolic link'],
  ]
  if (process.getuid?.() === 0) {
    // a device node of our own (the null device's numbers), in the scratch directory
    t.equal(spawnSync('mknod', [join(dir, 'null.prom'), 'c', '1', '3']).status, 0, 'mknod')
    cases.push([join(dir, 'null.prom'), 'a character device'])
  } else if (process.env['CI'] !== undefined) t.fail('needs root for mknod, and CI is set')
  for (const [path, kind] of cases) {
    await t.rejects(writeFileAtomically(path, 'x\n'), { message: `it is ${kind}, not a regular file; left alone` }, kind)
    t.notOk(lstatSync(path).isFile(), `${kind}: still not a regular file`)
  }
  t.equal(readFileSync(join(dir, 'target'), 'utf8'), 'precious\n', "the symlink's target is untouched")
  t.same(
    readdirSync(dir).filter((name) => name.startsWith('.')),
    [],
    'no temp file',
  )
})

t.test('the new file keeps the old mode and owner; a 250-character name works', async (t) => {
  const dir = t.testdir()
  const path = join(dir, `${'m'.repeat(245)}.prom`)
  writeFileSync(path, 'old\n')
  chmodSync(path, 0o640)
  if (process.getuid?.() === 0) chownSync(path, 65534, 65534)
  await writeFileAtomically(path, 'new\n')
  const stat = statSync(path)
  t.equal(readFileSync(path, 'utf8'), 'new\n')
  t.equal(stat.mode & 0o7777, 0o640, 'mode kept')
  if (process.getuid?.() === 0) t.same([stat.uid, stat.gid], [65534, 65534], 'owner kept')
})
