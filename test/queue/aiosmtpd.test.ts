// The queue runner against an independent next hop: Debian's python3-aiosmtpd (installed by
// .ci/run), which offers no DSN extension: per-recipient refusal, the failed DSN and the
// "relayed" DSN for NOTIFY=SUCCESS all go through it, with MAIL FROM:<> for the DSNs.

import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../runtime/queue/clock.js';
import { freePort } from '../support/freePort.js';
import { startProcess } from '../support/processes.js';
import { dsnParts, manualRunner, queueMessage, scratchSpool, testMessage } from './queueHelpers.js';

const PYTHON = '/usr/bin/python3'; // Debian's interpreter: the python3 on PATH may be another one

// Listens on the given port, prints `READY PORT`, writes each message to OUT/N.json, and refuses
// recipients whose local part starts with "refused" with 550 5.1.1 at RCPT.
const NEXT_HOP_SCRIPT = `
import base64, json, os, sys, time
from aiosmtpd.controller import Controller

out = sys.argv[1]
port = int(sys.argv[2])
count = 0

class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().startswith('refused'):
            return '550 5.1.1 <%s>: no such user (aiosmtpd)' % address
        envelope.rcpt_tos.append(address)
        return '250 OK'

    async def handle_DATA(self, server, session, envelope):
        global count
        count += 1
        with open(os.path.join(out, '%04d.json' % count), 'w') as f:
            json.dump({'mailFrom': envelope.mail_from, 'rcptTo': envelope.rcpt_tos,
                       'data': base64.b64encode(envelope.original_content).decode()}, f)
        return '250 2.0.0 OK queued by aiosmtpd'

controller = Controller(Handler(), hostname='127.0.0.1', port=port)
controller.start()
print('READY %d' % port, flush=True)
while True:
    time.sleep(3600)
`;

describe('queue runner against aiosmtpd', () => {
  it('relays, refuses one recipient, and sends both DSNs through it', async () => {
    const probe = spawnSync(PYTHON, ['-c', 'import aiosmtpd']);
    if (probe.status !== 0) {
      throw new Error(`${PYTHON} cannot import aiosmtpd: install it with \`apt-get install -y python3-aiosmtpd\` (.ci/run does)\n${probe.stderr}`);
    }
    const dir = await scratchSpool();
    const out = join(dir, 'received');
    await mkdir(out);
    await writeFile(join(dir, 'nexthop.py'), NEXT_HOP_SCRIPT);
    const hop = startProcess(PYTHON, [join(dir, 'nexthop.py'), out, String(await freePort())]);
    const ready = await hop.waitForLine((line) => line.text.startsWith('READY '), 15_000).catch((error: Error) => {
      throw new Error(`aiosmtpd did not start: ${error.message}`);
    });
    const port = Number(ready.text.split(' ')[1]);
    const clock = new ManualClock();
    const message = testMessage('to aiosmtpd', 'Body for aiosmtpd.\r\n');
    await queueMessage(
      dir + '/spool',
      {
        mailFrom: 'alice@example.test',
        dsn: { envid: 'E-1' },
        recipients: [{ address: 'ok@example.test', dsn: { notify: ['SUCCESS', 'FAILURE'] } }, { address: 'refused@example.test' }],
      },
      message,
      clock,
    );
    const runner = manualRunner(dir + '/spool', `smtp://127.0.0.1:${port}`, clock);
    await runner.runDue(); // the message
    await runner.runDue(); // the two DSNs it produced
    const received = await Promise.all(
      (await readdir(out)).sort().map(async (name) => {
        const parsed = JSON.parse(await readFile(join(out, name), 'utf8')) as { mailFrom: string; rcptTo: string[]; data: string };
        return { ...parsed, raw: Buffer.from(parsed.data, 'base64') };
      }),
    );
    await hop.stop('SIGKILL');
    expect(received).toHaveLength(3);
    expect(received[0]).toMatchObject({ mailFrom: 'alice@example.test', rcptTo: ['ok@example.test'] });
    expect(received[0]!.raw.equals(message)).toBe(true);
    const dsns = received.slice(1);
    expect(dsns.map((m) => m.mailFrom)).toEqual(['<>', '<>']); // aiosmtpd keeps MAIL FROM:<> as '<>'
    expect(dsns.every((m) => m.rcptTo.join() === 'alice@example.test')).toBe(true);
    const reports = dsns.map((m) => dsnParts(m.raw).parts[1]!);
    const failed = reports.find((r) => r.includes('Action: failed'))!;
    const relayed = reports.find((r) => r.includes('Action: relayed'))!;
    expect(failed).toContain('Final-Recipient: rfc822; refused@example.test');
    expect(failed).toContain('Status: 5.1.1');
    expect(failed).toMatch(/Diagnostic-Code: smtp; 550 5\.1\.1 <refused@example\.test>: no such user \(aiosmtpd\)/);
    expect(failed).toContain('Original-Envelope-Id: E-1');
    expect(relayed).toContain('Final-Recipient: rfc822; ok@example.test');
    expect(relayed).toContain('Status: 2.0.0');
  });
});
