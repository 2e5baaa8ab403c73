// Mocks under contracts/test are not product code: leave them out of the coverage figures.
// TreasuryGuard is "stack too deep" once instrumented without the optimizer. Yul stack allocation alone fixes that;
// no optimizer steps run, so the instrumentation calls (pure, side-effect free) are not optimized away.
module.exports = {
  skipFiles: ["test/"],
  configureYulOptimizer: true,
  solcOptimizerDetails: {
    yul: true,
    yulDetails: { stackAllocation: true, optimizerSteps: "" },
  },
};
