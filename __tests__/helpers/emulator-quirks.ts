/** The emulator's allowlisted second-plan artefacts live with the sandbox (scripts/sandbox/emulator-quirks.ts), which checks its plans with them too. */
export { EMULATOR_QUIRKS, isQuirk, type EmulatorQuirk } from "../../scripts/sandbox/emulator-quirks";
