// Spool write throughput with and without group commit of the new/ directory fsync.
// Build with tsc, then: node dist/bench/spoolWrite.js [--dir PATH] [--messages N] [--writers N] [--size BYTES] [--rounds N]

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Envelope } from '../runtime/deliver/envelope.js';
import { SpoolWriter } from '../runtime/deliver/spoolWriter.js';

const { values } = parseArgs({
  options: {
    // the file system decides everything here: run it on the disk the spool will live on
    dir: { type: 'string', default: tmpdir() },
    messages: { type: 'string', default: '2000' },
    writers: { type: 'string', default: '20' },
    size: { type: 'string', default: '10240' },
    rounds: { type: 'string', default: '3' },
  },
});
const messages = Number(values.messages);
const writers = Number(values.writers);
const size = Number(values.size);
const rounds = Number(values.rounds);

const envelope: Envelope = { mailFrom: 'bench@example.test', recipients: [{ address: 'sink@example.test' }] };
const message = Buffer.concat([
  Buffer.from('From: bench@example.test\r\nSubject: spool bench\r\n\r\n'),
  Buffer.alloc(Math.max(0, size - 52), 'x'),
]).subarray(0, size);

/** `writers` loops, each writing its next record as soon as the previous one was acknowledged. */
async function run(groupCommit: boolean): Promise<{ rate: number; directorySyncs: number }> {
  const dir = await mkdtemp(join(values.dir, 'msa-spool-bench-'));
  try {
    const writer = new SpoolWriter({ dir, groupCommit });
    let next = 0;
    const start = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: writers }, async () => {
        while (next < messages) {
          next++;
          const outcome = await writer.write(envelope, message, { bench: true });
          if (outcome.kind !== 'accepted') throw new Error(`write failed: ${outcome.text}`);
        }
      }),
    );
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    return { rate: messages / seconds, directorySyncs: writer.directorySyncs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function median(numbers: number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  console.log(`spool write: ${messages} records of ${size} bytes, ${writers} concurrent writers, ${rounds} rounds, in ${values.dir}`);
  await run(false); // warm-up: page cache, inode tables
  const rates = { plain: [] as number[], group: [] as number[] };
  const syncs = { plain: [] as number[], group: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    // alternate the modes so drift on the machine hits both alike
    for (const [mode, groupCommit] of [['plain', false], ['group', true]] as const) {
      const result = await run(groupCommit);
      rates[mode].push(result.rate);
      syncs[mode].push(result.directorySyncs);
    }
  }
  const plain = median(rates.plain);
  const group = median(rates.group);
  const format = (numbers: number[]) => numbers.map((n) => n.toFixed(0)).join(', ');
  console.log(`one dir fsync per record : ${plain.toFixed(0)} msg/s (median; rounds: ${format(rates.plain)}; dir fsyncs: ${format(syncs.plain)})`);
  console.log(`group commit of dir fsync: ${group.toFixed(0)} msg/s (median; rounds: ${format(rates.group)}; dir fsyncs: ${format(syncs.group)})`);
  console.log(`ratio group/plain        : ${(group / plain).toFixed(2)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
