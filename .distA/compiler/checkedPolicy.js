export {};
//# sourceMappingURL=checkedPolicy.js.map