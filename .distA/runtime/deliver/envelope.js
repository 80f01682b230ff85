// Shared types of the deliver stage: the SMTP envelope as the session accepted it, and the
// outcome of handing a message on (to the local spool or to the next hop).
export {};
//# sourceMappingURL=envelope.js.map