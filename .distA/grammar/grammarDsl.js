export {};
//# sourceMappingURL=grammarDsl.js.map