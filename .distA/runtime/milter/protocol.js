// The constants of the milter protocol, version 6, as libmilter's mfdef.h defines them (Sendmail
// 8.14; Postfix's src/milter/milter8.c speaks the same): command and reply codes, the actions a
// milter may take and the protocol flags that say which steps it wants and answers.
/** The protocol version msa speaks (SMFI_PROT_VERSION). */
export const MILTER_VERSION = 6;
/** The oldest version a milter may answer with (Postfix accepts 2 and up). */
export const MILTER_OLDEST_VERSION = 2;
/** Body chunks are at most this long (MILTER_CHUNK_SIZE). */
export const MILTER_CHUNK_SIZE = 65_535;
/** Commands, MTA to milter (SMFIC_*). */
export const Command = {
    abort: "A",
    body: "B",
    connect: "C",
    macro: "D",
    endOfMessage: "E",
    helo: "H",
    header: "L",
    mail: "M",
    endOfHeader: "N",
    optionNegotiation: "O",
    quit: "Q",
    rcpt: "R",
    data: "T",
};
/** Replies and modification requests, milter to MTA (SMFIR_*). */
export const Reply = {
    addRecipient: "+",
    deleteRecipient: "-",
    addRecipientWithArgs: "2",
    shutdown: "4",
    accept: "a",
    replaceBody: "b",
    continue: "c",
    discard: "d",
    changeSender: "e",
    connectionFailure: "f",
    addHeader: "h",
    insertHeader: "i",
    setSymbolList: "l",
    changeHeader: "m",
    optionNegotiation: "O",
    progress: "p",
    quarantine: "q",
    reject: "r",
    skip: "s",
    tempfail: "t",
    replyCode: "y",
};
/** Actions a milter may take at the end of the message (SMFIF_*); msa offers all of these. */
export const Action = {
    addHeaders: 0x01,
    changeBody: 0x02,
    addRecipient: 0x04,
    deleteRecipient: 0x08,
    changeHeaders: 0x10,
    quarantine: 0x20,
    changeSender: 0x40,
    addRecipientWithArgs: 0x80,
    setSymbolList: 0x100,
};
export const OFFERED_ACTIONS = Object.values(Action).reduce((all, bit) => all | bit, 0);
/** Protocol flags (SMFIP_*): steps the milter does not want, steps it does not answer, and extras. */
export const Protocol = {
    noConnect: 0x1,
    noHelo: 0x2,
    noMail: 0x4,
    noRcpt: 0x8,
    noBody: 0x10,
    noHeaders: 0x20,
    noEndOfHeader: 0x40,
    noReplyHeader: 0x80,
    noUnknown: 0x100,
    noData: 0x200,
    skip: 0x400,
    noReplyConnect: 0x1000,
    noReplyHelo: 0x2000,
    noReplyMail: 0x4000,
    noReplyRcpt: 0x8000,
    noReplyData: 0x10000,
    noReplyUnknown: 0x20000,
    noReplyEndOfHeader: 0x40000,
    noReplyBody: 0x80000,
    headerLeadingSpace: 0x100000,
};
/** Every flag msa honours: a milter may leave out any step or any answer (RCPT_REJ is not offered: refused recipients are not shown). */
export const OFFERED_PROTOCOL = Object.values(Protocol).reduce((all, bit) => all | bit, 0);
/** The steps of a transaction: the flag that leaves the step out and the one that leaves out its answer. */
export const Steps = {
    [Command.connect]: { omit: Protocol.noConnect, noReply: Protocol.noReplyConnect },
    [Command.helo]: { omit: Protocol.noHelo, noReply: Protocol.noReplyHelo },
    [Command.mail]: { omit: Protocol.noMail, noReply: Protocol.noReplyMail },
    [Command.rcpt]: { omit: Protocol.noRcpt, noReply: Protocol.noReplyRcpt },
    [Command.data]: { omit: Protocol.noData, noReply: Protocol.noReplyData },
    [Command.header]: { omit: Protocol.noHeaders, noReply: Protocol.noReplyHeader },
    [Command.endOfHeader]: { omit: Protocol.noEndOfHeader, noReply: Protocol.noReplyEndOfHeader },
    [Command.body]: { omit: Protocol.noBody, noReply: Protocol.noReplyBody },
    [Command.endOfMessage]: { omit: 0, noReply: 0 },
};
//# sourceMappingURL=protocol.js.map