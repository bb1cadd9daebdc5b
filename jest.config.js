/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  transform: {
    // Transpile only: `npm run lint` typechecks; tests stay fast.
    "^.+\\.ts$": ["ts-jest", { diagnostics: false }],
  },
  setupFilesAfterEnv: ["<rootDir>/__tests__/helpers/setup.ts"],
  // Terraform and emulator tests are heavy; two workers match the two cores.
  maxWorkers: 2,
  testTimeout: 30000,
};
