// A queued record's per-recipient state (spoolRecord.ts QueueState): how it starts, and which
// recipients are still waiting for delivery.
/** The state of a record no attempt has touched yet: every recipient pending, due at once. */
export function initialQueueState(record) {
    return {
        recipients: record.envelope.recipients.map((r) => ({ address: r.address, state: "pending" })),
        attempts: [],
        nextAttemptAt: record.receivedAt,
    };
}
/** Indexes of the recipients still waiting (neither delivered nor failed). */
export function pendingIndexes(state) {
    const indexes = [];
    state.recipients.forEach((r, i) => {
        if (r.state === "pending")
            indexes.push(i);
    });
    return indexes;
}
//# sourceMappingURL=queueState.js.map