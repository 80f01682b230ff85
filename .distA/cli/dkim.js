// `msac dkim keygen`: writes a DKIM private key (SELECTOR.pem, mode 0600) into a folder and
// prints the DNS TXT record to publish. Refuses to overwrite an existing key.
import fs from "node:fs";
import path from "node:path";
import { dkimDnsRecord, dkimRecordText, generateDkimKey } from "../runtime/dkim/dkimKeys.js";
import { ExitStatus } from "./io.js";
export function runDkimKeygen(options, io) {
    const domain = options.domain.trim().replace(/\.$/, "").toLowerCase();
    if (!/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/.test(domain)) {
        io.stderr.write(`error: \`${options.domain}\` is not a domain name\n`);
        return ExitStatus.usage;
    }
    if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(options.selector)) {
        io.stderr.write(`error: \`${options.selector}\` is not a valid selector\n`);
        return ExitStatus.usage;
    }
    const bits = Number(options.bits);
    if (options.algorithm === "rsa" && (!Number.isInteger(bits) || bits < 1024 || bits > 8192)) {
        io.stderr.write(`error: \`--bits ${options.bits}\`: an RSA DKIM key needs 1024 to 8192 bits\n`);
        return ExitStatus.usage;
    }
    const file = path.join(options.out, `${options.selector}.pem`);
    const key = generateDkimKey(options.algorithm, bits);
    try {
        fs.mkdirSync(options.out, { recursive: true });
        // "wx": never overwrite a key that may already be published
        fs.writeFileSync(file, key.privateKeyPem, { mode: 0o600, flag: "wx" });
    }
    catch (error) {
        io.stderr.write(`error: cannot write \`${file}\`: ${error.message}\n`);
        return ExitStatus.errors;
    }
    io.stderr.write(`wrote ${file}; publish this record:\n`);
    io.stdout.write(`${dkimDnsRecord(domain, options.selector, dkimRecordText(options.algorithm, key.publicKey))}\n`);
    return ExitStatus.ok;
}
//# sourceMappingURL=dkim.js.map