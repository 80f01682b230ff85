// What a milter answered, as plain data: the driver collects it over the socket and hands it to the
// decision core (runtime/decision/milterStage.ts), which refuses, goes on or edits the message.
export {};
//# sourceMappingURL=milterAnswer.js.map