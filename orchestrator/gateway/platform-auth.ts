// Kept so orchestrator/api/instances-api.ts keeps building; new code imports policies/admin-sign-in.
export { ADMIN_SIGN_IN_PATH } from "./policies/admin-sign-in";
