// Mocks under contracts/test are not product code: leave them out of the coverage figures.
module.exports = {
  skipFiles: ["test/"],
};
