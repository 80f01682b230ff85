export function newSession(listenerMode, clientAddress, listener = "", negotiatedTls = null) {
    const tls = listenerMode === "tls";
    return {
        listenerMode,
        listener,
        clientAddress,
        heloName: null,
        extended: false,
        tls,
        negotiatedTls: tls ? negotiatedTls : null,
        login: null,
        loginAddresses: null,
        localUid: null,
        transaction: null,
    };
}
/**
 * The state with another transaction (MAIL, RCPT, RSET). Every field is written out, not spread:
 * states then share one object shape, and spreading the state at each RCPT was a fifth of a
 * decision's cost (bench/decisionCost.ts). `satisfies` makes the compiler ask for any field
 * added to SessionState, optional ones included.
 */
export function withTransaction(state, transaction) {
    return {
        listenerMode: state.listenerMode,
        listener: state.listener,
        clientAddress: state.clientAddress,
        heloName: state.heloName,
        extended: state.extended,
        tls: state.tls,
        negotiatedTls: state.negotiatedTls,
        login: state.login,
        loginAddresses: state.loginAddresses,
        localUid: state.localUid,
        transaction,
    };
}
//# sourceMappingURL=session.js.map