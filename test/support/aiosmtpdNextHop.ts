// An independent next hop for relay tests: Debian's python3-aiosmtpd (it offers no DSN
// extension), run by /usr/bin/python3. It refuses recipients whose local part starts with
// "refused" with 550 5.1.1 at RCPT and keeps every message it takes as a JSON file. With
// `refuseXforward` it also offers Postfix's XFORWARD and refuses each one: with 550 5.7.0, or
// with 421 and the end of the session ("421").
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./freePort.js";
import { startProcess } from "./processes.js";

const PYTHON = "/usr/bin/python3"; // Debian's interpreter: the python3 on PATH may be another one

// Listens on the given port, prints `READY PORT`, writes each message to OUT/N.json.
const NEXT_HOP_SCRIPT = `
import base64, json, os, sys, time
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

out = sys.argv[1]
port = int(sys.argv[2])
refuse_xforward = len(sys.argv) > 3 and sys.argv[3].startswith('refuse-xforward')
close_on_xforward = len(sys.argv) > 3 and sys.argv[3] == 'refuse-xforward-421'
count = 0

class XforwardRefusingSMTP(SMTP):
    async def smtp_XFORWARD(self, arg):
        with open(os.path.join(out, '..', 'xforward.txt'), 'a') as f:
            f.write('XFORWARD %s\\n' % arg)
        if close_on_xforward:
            await self.push('421 4.3.2 going down (aiosmtpd)')
            self.transport.close()
        else:
            await self.push('550 5.7.0 XFORWARD not authorized (aiosmtpd)')

class XforwardController(Controller):
    def factory(self):
        return XforwardRefusingSMTP(self.handler, **self.SMTP_kwargs)

class Handler:
    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if refuse_xforward:
            responses.insert(len(responses) - 1, '250-XFORWARD NAME ADDR PROTO HELO IDENT SOURCE')
        return responses

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

controller = (XforwardController if refuse_xforward else Controller)(Handler(), hostname='127.0.0.1', port=port)
controller.start()
print('READY %d' % port, flush=True)
while True:
    time.sleep(3600)
`;

export interface AiosmtpdMessage {
  /** aiosmtpd keeps MAIL FROM:<> as '<>' */
  mailFrom: string;
  rcptTo: string[];
  raw: Buffer;
}

export interface AiosmtpdNextHop {
  url: string;
  /** The messages taken so far, in order. */
  received(): Promise<AiosmtpdMessage[]>;
  /** The XFORWARD commands it refused so far (with `refuseXforward`). */
  xforwardCommands(): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startAiosmtpd(options: { refuseXforward?: boolean | "421" } = {}): Promise<AiosmtpdNextHop> {
  const probe = spawnSync(PYTHON, ["-c", "import aiosmtpd"]);
  if (probe.status !== 0) {
    throw new Error(`${PYTHON} cannot import aiosmtpd: install it with \`apt-get install -y python3-aiosmtpd\` (.ci/run does)\n${probe.stderr}`);
  }
  const dir = await mkdtemp(join(tmpdir(), "msa-aiosmtpd-"));
  const out = join(dir, "received");
  await mkdir(out);
  await writeFile(join(dir, "nexthop.py"), NEXT_HOP_SCRIPT);
  const hop = startProcess(PYTHON, [
    join(dir, "nexthop.py"),
    out,
    String(await freePort()),
    ...(options.refuseXforward ? [options.refuseXforward === "421" ? "refuse-xforward-421" : "refuse-xforward"] : []),
  ]);
  const ready = await hop
    .waitForLine((line) => line.text.startsWith("READY "), 15_000)
    .catch(async (error: Error) => {
      await hop.stop("SIGKILL");
      await rm(dir, { recursive: true, force: true });
      throw new Error(`aiosmtpd did not start: ${error.message}`);
    });
  return {
    url: `smtp://127.0.0.1:${Number(ready.text.split(" ")[1])}`,
    async received() {
      const names = (await readdir(out)).sort();
      return Promise.all(
        names.map(async (name) => {
          const parsed = JSON.parse(await readFile(join(out, name), "utf8")) as { mailFrom: string; rcptTo: string[]; data: string };
          return { mailFrom: parsed.mailFrom, rcptTo: parsed.rcptTo, raw: Buffer.from(parsed.data, "base64") };
        }),
      );
    },
    async xforwardCommands() {
      const text = await readFile(join(dir, "xforward.txt"), "utf8").catch(() => "");
      return text.split("\n").filter((line) => line !== "");
    },
    async stop() {
      await hop.stop("SIGKILL");
      await rm(dir, { recursive: true, force: true });
    },
  };
}
