import t from 'tap'
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { writeFileAtomically } from '../../../src/io/atomic-write.js'

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

t.test('a failed rename (the target is a directory) removes the temp file and keeps the target', async (t) => {
  const dir = t.testdir()
  mkdirSync(join(dir, 'x.prom'))
  writeFileSync(join(dir, 'x.prom', 'inside'), 'kept')
  await t.rejects(writeFileAtomically(join(dir, 'x.prom'), 'x'))
  t.same(readdirSync(dir), ['x.prom'], 'the temp file is gone')
  t.equal(readFileSync(join(dir, 'x.prom', 'inside'), 'utf8'), 'kept')
})
