export {};
//# sourceMappingURL=verdict.js.map