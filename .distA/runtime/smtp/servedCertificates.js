import { judgeCertificate, readPemTexts, sameTexts, validityProblem, } from "./certificateFiles.js";
import { coversHostName } from "../../formats/certificateNames.js";
import { watchCertificateFiles } from "./watchCertificateFiles.js";
/** Quiet time after a change before reading: certbot replaces four links in a row. */
const DEBOUNCE_MS = 500;
const rule = (files) => `${files.origin.file}:${files.origin.line}`;
const samePaths = (a, b) => a.certificate === b.certificate && a.key === b.key;
export class ServedCertificates {
    options;
    slots;
    defaultListeners = [];
    /**
     * Reads every pair of the graph. A pair that cannot be served throws (the start or the reload
     * fails, naming the file), unless the previous server serves it: then that one stays. A pair
     * that is only outside its validity dates is served with a warning when there is nothing else.
     * `previous`: the certificates of the server this one replaces (a policy reload); not kept, so
     * reloads do not chain every earlier server's certificates together.
     */
    constructor(graph, options, previous = null) {
        this.options = options;
        this.slots = [graph.tls, ...graph.sniCertificates].map((files) => ({ served: this.initial(files, previous), refused: null, watch: null }));
        for (const slot of this.slots)
            this.showExpiry(slot.served);
        for (const [index, slot] of this.slots.entries()) {
            const { certificate, key } = slot.served.files;
            slot.watch = watchCertificateFiles([certificate, key], () => this.recheck(index), {
                debounceMs: options.debounceMs ?? DEBOUNCE_MS,
                onError: (folder, error) => options.log.warn({ event: "certificate-watch-failed", folder, err: error.message, rule: rule(slot.served.files) }, "certificate folder no longer watched"),
            });
        }
    }
    /** What the first `tls certificate` rule serves now (clients without SNI, or asking for another name). */
    get defaultCertificate() {
        return this.slots[0].served;
    }
    /** Called with the new default certificate each time it is reloaded. */
    onDefaultChange(listener) {
        this.defaultListeners.push(listener);
    }
    /** The SNI callback for the later certificates, read at each handshake; undefined when there are none. */
    get sniCallback() {
        if (this.slots.length === 1)
            return undefined;
        const others = this.slots.slice(1);
        // No context: smtp-server answers with the default one.
        return (servername, callback) => callback(null, others.find((slot) => coversHostName(slot.served.names, servername))?.served.context);
    }
    /** The pair as served for `files`, if this server serves those files. */
    servedFor(files) {
        return this.slots.find((slot) => samePaths(slot.served.files, files))?.served;
    }
    close() {
        for (const slot of this.slots)
            slot.watch?.close();
    }
    initial(files, running) {
        const previous = running?.servedFor(files);
        const found = this.assess(files);
        if (previous && found.problem) {
            this.refuse(files, found.problem, previous, "policy-reload");
            return { ...previous, files };
        }
        if (!found.certificate)
            throw new Error(`${found.problem.file}: ${found.problem.reason}`);
        if (found.problem) {
            this.options.log.warn({ event: "certificate-not-valid", file: found.problem.file, reason: found.problem.reason, rule: rule(files) }, "serving a certificate outside its validity dates");
        }
        if (previous && previous.fingerprint256 !== found.certificate.fingerprint256)
            this.reloaded(found.certificate, "policy-reload");
        return found.certificate;
    }
    /** A change in the folders of pair `index`: serve the new pair if it changed and is sound. */
    recheck(index) {
        const slot = this.slots[index];
        const files = slot.served.files;
        const found = this.assess(files);
        if (found.texts && sameTexts(found.texts, slot.served)) {
            slot.refused = null;
            return;
        }
        if (found.problem || !found.certificate) {
            const seen = refusalKey(found.problem, found.texts);
            if (seen === slot.refused)
                return;
            slot.refused = seen;
            this.refuse(files, found.problem, slot.served, "file-change");
            return;
        }
        slot.refused = null;
        slot.served = found.certificate;
        this.reloaded(found.certificate, "file-change");
        this.showExpiry(found.certificate);
        if (index === 0)
            for (const listener of this.defaultListeners)
                listener(found.certificate);
    }
    /** The pair on disk now: its texts when readable, the certificate when sound, and what is wrong with it. */
    assess(files) {
        const read = readPemTexts(files);
        if (!read.ok)
            return { texts: null, problem: read.problem };
        const judged = judgeCertificate(files, read.texts, this.options.contextOptions);
        if (!judged.ok)
            return { texts: read.texts, problem: judged.problem };
        return { texts: read.texts, certificate: judged.certificate, problem: validityProblem(judged.certificate, new Date()) };
    }
    reloaded(certificate, trigger) {
        const { files } = certificate;
        this.options.log.info({
            event: "certificate-reloaded",
            certificate: files.certificate,
            key: files.key,
            trigger,
            serial: certificate.serialNumber,
            fingerprint: certificate.fingerprint256,
            notAfter: certificate.validTo.toISOString(),
            rule: rule(files),
        }, "serving the new certificate to new connections");
        this.options.metrics?.certificateReloads.inc({ result: "reloaded" });
    }
    refuse(files, problem, kept, trigger) {
        this.options.log.warn({ event: "certificate-reload-failed", file: problem.file, reason: problem.reason, trigger, serving: kept.serialNumber, rule: rule(files) }, "certificate not reloaded; the one in use stays");
        this.options.metrics?.certificateReloads.inc({ result: "refused" });
    }
    showExpiry(certificate) {
        this.options.metrics?.certificateExpiry.set({ certificate: certificate.files.certificate }, Math.floor(certificate.validTo.getTime() / 1000));
    }
}
/** What makes two refusals the same: the reason and the texts refused (a folder's unrelated changes do not log it again). */
function refusalKey(problem, texts) {
    return `${problem.file}\n${problem.reason}\n${texts?.cert ?? ""}\n${texts?.key ?? ""}`;
}
//# sourceMappingURL=servedCertificates.js.map