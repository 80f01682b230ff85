// The independent verifier of the DKIM tests: Debian's dkimpy (python3-dkim, run by /usr/bin/python3),
// fed the message and zone-file TXT lines (`S._domainkey.D. IN TXT "..." "..."`) instead of DNS.
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

export interface DkimpyResult {
  domain: string;
  selector: string;
  algorithm: string;
  /** The signed field names (h=), lower case. */
  headers: string[];
  ok: boolean;
  error: string | null;
}

// Verifies every DKIM-Signature of the message (dkim.verify only checks the first), top down.
const script = String.raw`
import json, re, sys, dkim
message = open(sys.argv[1], "rb").read()
records = {}
for line in open(sys.argv[2], encoding="ascii"):
    m = re.match(r'^(\S+)\s+IN\s+TXT\s+(.*)$', line.strip())
    if m:
        records[m.group(1).rstrip(".").lower()] = "".join(re.findall(r'"([^"]*)"', m.group(2))).encode()
def dnsfunc(name, timeout=5):
    return records.get(name.decode().rstrip(".").lower())
d = dkim.DKIM(message)
count = len([1 for k, v in d.headers if k.lower() == b"dkim-signature"])
out = []
for i in range(count):
    d = dkim.DKIM(message)
    try:
        ok = bool(d.verify(idx=i, dnsfunc=dnsfunc))
        err = None
    except Exception as e:
        ok, err = False, repr(e)
    f = d.signature_fields or {}
    out.append({"domain": f.get(b"d", b"").decode(), "selector": f.get(b"s", b"").decode(),
                "algorithm": f.get(b"a", b"").decode(), "headers": [h.decode() for h in (d.include_headers or ())],
                "ok": ok, "error": err})
print(json.dumps(out))
`;

export async function verifyWithDkimpy(message: Buffer, zoneLines: string[]): Promise<DkimpyResult[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "msa-dkimpy-"));
  try {
    fs.writeFileSync(path.join(dir, "message.eml"), message);
    fs.writeFileSync(path.join(dir, "zone.txt"), `${zoneLines.join("\n")}\n`);
    const { stdout } = await promisify(execFile)("/usr/bin/python3", ["-c", script, path.join(dir, "message.eml"), path.join(dir, "zone.txt")]);
    return JSON.parse(stdout) as DkimpyResult[];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
