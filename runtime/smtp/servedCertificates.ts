// The certificates a server presents: the first `tls certificate` by default, the others to a
// client that asks (TLS SNI, RFC 6066 section 3) for a name they hold. Each pair is watched and
// reloaded on its own when its files change, for new handshakes only; a changed pair that cannot
// be served (unreadable, half-written, key not matching, expired) leaves the one in use in place
// and is logged once with the file and the reason. A policy reload hands the running server's
// certificates to the new one, which keeps them the same way when the files have gone bad.
import type { SecureContext } from "node:tls";
import type { Logger } from "pino";
import type { RuleGraph } from "../../graph/graph.js";
import type { MsaMetrics } from "../metrics/metrics.js";
import {
  type CertificateFiles,
  type CertificateProblem,
  type ContextOptions,
  judgeCertificate,
  type LoadedCertificate,
  type PemTexts,
  readPemTexts,
  sameTexts,
  validityProblem,
} from "./certificateFiles.js";
import { coversHostName } from "../../formats/certificateNames.js";
import { type FileWatch, watchCertificateFiles } from "./watchCertificateFiles.js";

export type SniCallback = (servername: string, callback: (error: Error | null, context?: SecureContext) => void) => void;

/** Quiet time after a change before reading: certbot replaces four links in a row. */
const DEBOUNCE_MS = 500;

export interface ServedCertificatesOptions {
  log: Logger;
  metrics?: MsaMetrics;
  contextOptions: ContextOptions;
  debounceMs?: number;
}

/** One `tls certificate` rule: what is served for it now, and the last change refused (so it is logged once). */
interface Slot {
  served: LoadedCertificate;
  refused: string | null;
  watch: FileWatch | null;
}

/** A pair as found on disk: unusable (a problem and no certificate), sound, or sound but outside its dates. */
type Assessment =
  | { texts: PemTexts | null; certificate?: undefined; problem: CertificateProblem }
  | { texts: PemTexts; certificate: LoadedCertificate; problem: CertificateProblem | null };

/** What made the server read the files again: a change seen in their folders, or a policy reload (SIGHUP). */
type Trigger = "file-change" | "policy-reload";

const rule = (files: CertificateFiles) => `${files.origin.file}:${files.origin.line}`;
const samePaths = (a: CertificateFiles, b: CertificateFiles) => a.certificate === b.certificate && a.key === b.key;

export class ServedCertificates {
  private readonly slots: Slot[];
  private readonly defaultListeners: ((certificate: LoadedCertificate) => void)[] = [];

  /**
   * Reads every pair of the graph. A pair that cannot be served throws (the start or the reload
   * fails, naming the file), unless the previous server serves it: then that one stays. A pair
   * that is only outside its validity dates is served with a warning when there is nothing else.
   * `previous`: the certificates of the server this one replaces (a policy reload); not kept, so
   * reloads do not chain every earlier server's certificates together.
   */
  constructor(
    graph: RuleGraph & { tls: CertificateFiles },
    private readonly options: ServedCertificatesOptions,
    previous: ServedCertificates | null = null,
  ) {
    this.slots = [graph.tls, ...graph.sniCertificates].map((files) => ({ served: this.initial(files, previous), refused: null, watch: null }));
    for (const slot of this.slots) this.showExpiry(slot.served);
    for (const [index, slot] of this.slots.entries()) {
      const { certificate, key } = slot.served.files;
      slot.watch = watchCertificateFiles([certificate, key], () => this.recheck(index), {
        debounceMs: options.debounceMs ?? DEBOUNCE_MS,
        onError: (folder, error) =>
          options.log.warn({ event: "certificate-watch-failed", folder, err: error.message, rule: rule(slot.served.files) }, "certificate folder no longer watched"),
      });
    }
  }

  /** What the first `tls certificate` rule serves now (clients without SNI, or asking for another name). */
  get defaultCertificate(): LoadedCertificate {
    return this.slots[0]!.served;
  }

  /** Called with the new default certificate each time it is reloaded. */
  onDefaultChange(listener: (certificate: LoadedCertificate) => void): void {
    this.defaultListeners.push(listener);
  }

  /** The SNI callback for the later certificates, read at each handshake; undefined when there are none. */
  get sniCallback(): SniCallback | undefined {
    if (this.slots.length === 1) return undefined;
    const others = this.slots.slice(1);
    // No context: smtp-server answers with the default one.
    return (servername, callback) => callback(null, others.find((slot) => coversHostName(slot.served.names, servername))?.served.context);
  }

  /** The pair as served for `files`, if this server serves those files. */
  private servedFor(files: CertificateFiles): LoadedCertificate | undefined {
    return this.slots.find((slot) => samePaths(slot.served.files, files))?.served;
  }

  close(): void {
    for (const slot of this.slots) slot.watch?.close();
  }

  private initial(files: CertificateFiles, running: ServedCertificates | null): LoadedCertificate {
    const previous = running?.servedFor(files);
    const found = this.assess(files);
    if (previous && found.problem) {
      this.refuse(files, found.problem, previous, "policy-reload");
      return { ...previous, files };
    }
    if (!found.certificate) throw new Error(`${found.problem.file}: ${found.problem.reason}`);
    if (found.problem) {
      this.options.log.warn(
        { event: "certificate-not-valid", file: found.problem.file, reason: found.problem.reason, rule: rule(files) },
        "serving a certificate outside its validity dates",
      );
    }
    if (previous && previous.fingerprint256 !== found.certificate.fingerprint256) this.reloaded(found.certificate, "policy-reload");
    return found.certificate;
  }

  /** A change in the folders of pair `index`: serve the new pair if it changed and is sound. */
  private recheck(index: number): void {
    const slot = this.slots[index]!;
    const files = slot.served.files;
    const found = this.assess(files);
    if (found.texts && sameTexts(found.texts, slot.served)) {
      slot.refused = null;
      return;
    }
    if (found.problem || !found.certificate) {
      const seen = refusalKey(found.problem!, found.texts);
      if (seen === slot.refused) return;
      slot.refused = seen;
      this.refuse(files, found.problem!, slot.served, "file-change");
      return;
    }
    slot.refused = null;
    slot.served = found.certificate;
    this.reloaded(found.certificate, "file-change");
    this.showExpiry(found.certificate);
    if (index === 0) for (const listener of this.defaultListeners) listener(found.certificate);
  }

  /** The pair on disk now: its texts when readable, the certificate when sound, and what is wrong with it. */
  private assess(files: CertificateFiles): Assessment {
    const read = readPemTexts(files);
    if (!read.ok) return { texts: null, problem: read.problem };
    const judged = judgeCertificate(files, read.texts, this.options.contextOptions);
    if (!judged.ok) return { texts: read.texts, problem: judged.problem };
    return { texts: read.texts, certificate: judged.certificate, problem: validityProblem(judged.certificate, new Date()) };
  }

  private reloaded(certificate: LoadedCertificate, trigger: Trigger): void {
    const { files } = certificate;
    this.options.log.info(
      {
        event: "certificate-reloaded",
        certificate: files.certificate,
        key: files.key,
        trigger,
        serial: certificate.serialNumber,
        fingerprint: certificate.fingerprint256,
        notAfter: certificate.validTo.toISOString(),
        rule: rule(files),
      },
      "serving the new certificate to new connections",
    );
    this.options.metrics?.certificateReloads.inc({ result: "reloaded" });
  }

  private refuse(files: CertificateFiles, problem: CertificateProblem, kept: LoadedCertificate, trigger: Trigger): void {
    this.options.log.warn(
      { event: "certificate-reload-failed", file: problem.file, reason: problem.reason, trigger, serving: kept.serialNumber, rule: rule(files) },
      "certificate not reloaded; the one in use stays",
    );
    this.options.metrics?.certificateReloads.inc({ result: "refused" });
  }

  private showExpiry(certificate: LoadedCertificate): void {
    this.options.metrics?.certificateExpiry.set({ certificate: certificate.files.certificate }, Math.floor(certificate.validTo.getTime() / 1000));
  }
}

/** What makes two refusals the same: the reason and the texts refused (a folder's unrelated changes do not log it again). */
function refusalKey(problem: CertificateProblem, texts: PemTexts | null): string {
  return `${problem.file}\n${problem.reason}\n${texts?.cert ?? ""}\n${texts?.key ?? ""}`;
}
