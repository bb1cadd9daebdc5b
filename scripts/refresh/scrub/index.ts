/**
 * Privacy by default for the refresh (docs/privacy.md): the scrub manifest, the scrub generated
 * from it, its verification, the executors that reach a database and `check-scrub`.
 */
export { CognitoPoolUsers, type CognitoUser, type CognitoUserSource } from "./cognito";
export { DataApiExecutor, PostgresExecutor, ScrubError, type Row, type SqlExecutor, type SqlReader, type SqlStatement } from "./executor";
export { createScrubHooks, type ScrubHooks } from "./hooks";
export { loadScrubManifest, manifestFileFor, type LoadedManifest, type ScrubManifest, type ScrubManifestInput, ScrubManifestError } from "./manifest";
export { UnclassifiedError, VerificationError, scrubDatabase, validateManifestOffline } from "./run";
export { checkScrub, databaseProblems, parseDatabaseUrl, registerCheckScrub } from "./check";
