export class NamedFileDiagnostics {
    /** By policy URI: its diagnostics on each named file's URI. */
    byPolicy = new Map();
    /** Records what `policy` reports on its named files now; returns each file whose list changed, with the list to publish. */
    update(policy, reported) {
        const before = this.byPolicy.get(policy) ?? new Map();
        if (reported.size > 0)
            this.byPolicy.set(policy, reported);
        else
            this.byPolicy.delete(policy);
        const touched = new Set([...before.keys(), ...reported.keys()]);
        return new Map([...touched].map((uri) => [uri, this.on(uri)]));
    }
    /** The diagnostics on one named file, from every policy naming it; the same problem found by two policies once. */
    on(uri) {
        const seen = new Map();
        for (const files of this.byPolicy.values()) {
            for (const d of files.get(uri) ?? []) {
                const key = JSON.stringify([d.range, d.code, d.message]);
                const first = seen.get(key);
                if (!first)
                    seen.set(key, d);
                // Each policy's `related` names its own line naming the file: keep them all.
                else if (d.relatedInformation)
                    seen.set(key, { ...first, relatedInformation: [...(first.relatedInformation ?? []), ...d.relatedInformation] });
            }
        }
        return [...seen.values()];
    }
}
//# sourceMappingURL=namedFileDiagnostics.js.map